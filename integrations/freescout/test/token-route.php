<?php

/*
 * Runs the module on FreeScout's stand-ins of test/php/support, for the fixture e2e
 * (e2e/freescout/helpdesk.ts): its token route (SightlineController::token, with Settings,
 * Grants and Jwt), so the tokens the browsers get there are minted by the module's own PHP, and
 * what its service provider adds to FreeScout's layout. The module is this one, or the
 * installed copy at SIGHTLINE_MODULE_DIR (an older release, then the newer one unzipped over
 * it): its files are read afresh on every call, as FreeScout reads them on every request.
 * Input: one JSON argument
 *   {"action": "token" (default) | "page",
 *    "config": {"app.url", "app.locale"?, "sightline.relay_url", "sightline.jwt_secret"},
 *    "mailboxes": [every mailbox id], "user": {"id", "first_name", "last_name", "role"?,
 *    "status"?, "locale"?, "mailbox_ids": [ids]} | null}
 * Output on stdout, always "relayUrl": the address the module gives the pages
 * (Settings::relayUrl), and "routes": [{"methods", "uri", "action", "name"}] (Http/routes.php);
 * for "token": {"status": <HTTP status>, "headers": {...}, "body": <the JSON answer>};
 * for "page": {"head": <layout.head>, "bodyBottom": <layout.body_bottom>,
 *              "stylesheets": [paths], "csp": <the csp.custom filter's addition>}.
 */

use App\Mailbox;
use App\User;
use Modules\Sightline\Http\Controllers\SightlineController;
use Modules\Sightline\Providers\SightlineServiceProvider;
use Modules\Sightline\Support\Settings;

// As a CLI script (the JSON as argument) or as the router of `php -S` (the JSON as POST body),
// which saves a PHP start per call.
$web = PHP_SAPI === 'cli-server';
$input = json_decode($web ? file_get_contents('php://input') : ($argv[1] ?? ''), true);
if (!is_array($input)) {
    if ($web) {
        http_response_code(400);
        exit;
    }
    fwrite(STDERR, "usage: php token-route.php '{\"config\":...}'\n");
    exit(2);
}

require __DIR__.'/php/support/freescout-stubs.php';
require __DIR__.'/php/support/freescout-hooks.php';
// The module's classes as FreeScout's autoloader finds them, then its bootstrap (module.json
// "files": start.php, which reads Http/routes.php).
$module = getenv('SIGHTLINE_MODULE_DIR') ?: dirname(__DIR__);
foreach (['Support', 'Http/Controllers', 'Providers'] as $folder) {
    foreach (glob($module.'/'.$folder.'/*.php') as $file) {
        require $file;
    }
}
require $module.'/start.php';

FreeScoutFake::reset($input['config']);
Mailbox::$ids = $input['mailboxes'];
FreeScoutFake::$user = isset($input['user']) ? new User($input['user']) : null;
(new SightlineServiceProvider(null))->boot();

$answer = [
    'relayUrl' => Settings::relayUrl(),
    'routes'   => array_map(function ($route) {
        return ['methods' => $route->methods, 'uri' => $route->uri, 'action' => $route->action, 'name' => $route->name];
    }, Route::$routes),
];
if (($input['action'] ?? 'token') === 'page') {
    $render = function ($hook) {
        ob_start();
        Eventy::action($hook);

        return ob_get_clean();
    };
    $answer += [
        'head'        => $render('layout.head'),
        'bodyBottom'  => $render('layout.body_bottom'),
        'stylesheets' => Eventy::filter('stylesheets', []),
        'csp'         => Eventy::filter('csp.custom', ''),
    ];
} else {
    $response = (new SightlineController())->token();
    $answer += ['status' => $response->status, 'headers' => $response->headers, 'body' => $response->data];
}
if ($web) {
    header('Content-Type: application/json');
}
echo json_encode($answer, JSON_UNESCAPED_SLASHES);
