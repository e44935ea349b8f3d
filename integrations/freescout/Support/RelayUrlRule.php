<?php

namespace Modules\Sightline\Support;

use Illuminate\Contracts\Validation\Rule;

/**
 * Validation of the relay URL field in Manage » Settings » Sightline, with a message an admin
 * can act on (Laravel's `regex` rule said "The settings.sightline relay url format is invalid.").
 */
class RelayUrlRule implements Rule
{
    public function passes($attribute, $value)
    {
        return $value === null || $value === '' || RelayUrl::isAcceptable($value);
    }

    public function message()
    {
        return __('The relay URL must be a ws:// or wss:// address, such as wss://presence.example.com, or a path on FreeScout\'s own host, such as /sightline (no query, quotes or spaces).');
    }
}
