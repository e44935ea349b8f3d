<?php

/*
 * Mints a token exactly as the module's token route does (Grants::claims + Jwt::sign), for the
 * cross-language test. Input: one JSON argument
 *   {"secret", "userId", "name", "avatar"?, "mailboxes": [ids], "now": unix seconds}
 * Output: the token on stdout.
 */
require __DIR__.'/../Support/Jwt.php';
require __DIR__.'/../Support/Grants.php';

use Modules\Sightline\Support\Grants;
use Modules\Sightline\Support\Jwt;

$input = json_decode($argv[1] ?? '', true);
if (!is_array($input)) {
    fwrite(STDERR, "usage: php mint.php '{\"secret\":...}'\n");
    exit(2);
}
$claims = Grants::claims(
    $input['userId'],
    $input['name'],
    $input['avatar'] ?? null,
    $input['mailboxes'],
    $input['now']
);
echo Jwt::sign($claims, $input['secret']);
