<?php

/*
 * Sightline reads its settings from FreeScout's .env (config cache applies: after editing .env
 * run `php artisan freescout:clear-cache`).
 *
 *   SIGHTLINE_RELAY_URL   ws(s):// address of the relay as the agents' browsers reach it
 *                         (also editable in Manage > Settings > Sightline, which writes .env)
 *   SIGHTLINE_JWT_SECRET  the relay's HS256 secret, at least 32 bytes; never shown in the UI
 */
return [
    'relay_url'  => env('SIGHTLINE_RELAY_URL', ''),
    'jwt_secret' => env('SIGHTLINE_JWT_SECRET', ''),
];
