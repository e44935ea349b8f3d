<?php

/*
 * Runs the module's token route (SightlineController::token, with Settings, Grants and Jwt) on
 * FreeScout's stand-ins of test/php/support, for the fixture e2e (e2e/freescout/helpdesk.ts):
 * the tokens the browsers get there are minted by the module's own PHP, with its checks.
 * Input: one JSON argument
 *   {"config": {"app.url", "sightline.relay_url", "sightline.jwt_secret"},
 *    "mailboxes": [every mailbox id], "user": {"id", "first_name", "last_name", "role"?,
 *    "status"?, "mailbox_ids": [ids]} | null}
 * Output: {"status": <HTTP status>, "headers": {...}, "body": <the JSON answer>,
 *          "relayUrl": <the address the module gives the pages (Settings::relayUrl)>} on stdout.
 */
require __DIR__.'/php/bootstrap.php';

use App\Mailbox;
use App\User;
use Modules\Sightline\Http\Controllers\SightlineController;
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
FreeScoutFake::reset($input['config']);
Mailbox::$ids = $input['mailboxes'];
FreeScoutFake::$user = isset($input['user']) ? new User($input['user']) : null;
$response = (new SightlineController())->token();
if ($web) {
    header('Content-Type: application/json');
}
echo json_encode([
    'status'   => $response->status,
    'headers'  => $response->headers,
    'body'     => $response->data,
    'relayUrl' => Settings::relayUrl(),
], JSON_UNESCAPED_SLASHES);
