<?php

namespace Modules\Sightline\Support;

/** The module's configuration as FreeScout holds it (.env through Laravel's config). */
class Settings
{
    public static function secret()
    {
        return config('sightline.jwt_secret');
    }

    /**
     * The relay address the browsers open, or null when unset or unusable. A path
     * (`SIGHTLINE_RELAY_URL=/sightline`) is resolved against FreeScout's APP_URL.
     */
    public static function relayUrl()
    {
        return RelayUrl::resolve(config('sightline.relay_url'), config('app.url'));
    }

    /** Whether agent pages get Sightline: a usable secret and relay URL. */
    public static function isConfigured()
    {
        return Jwt::secretIsUsable(self::secret()) && self::relayUrl() !== null;
    }

    /** What an admin must fix, in one sentence; null when nothing. */
    public static function problem()
    {
        $secret = self::secretProblem();
        if ($secret !== null) {
            return $secret;
        }
        if (self::relayUrl() === null) {
            $url = config('sightline.relay_url');

            if (empty($url)) {
                return __('Sightline is not active: set SIGHTLINE_RELAY_URL in .env or in Manage » Settings » Sightline.');
            }
            if (RelayUrl::isPath($url)) {
                return __('Sightline is not active: SIGHTLINE_RELAY_URL is a path, and APP_URL in .env is no http:// or https:// address to put it on.');
            }

            return __('Sightline is not active: SIGHTLINE_RELAY_URL must be a ws:// or wss:// address without a query, or a path such as /sightline.');
        }

        return null;
    }

    public static function secretProblem()
    {
        $secret = self::secret();
        if (empty($secret)) {
            return __('Sightline is not active: SIGHTLINE_JWT_SECRET is missing from .env (the relay\'s secret, at least :n bytes). Set it, then run php artisan freescout:clear-cache.', ['n' => Jwt::MIN_SECRET_BYTES]);
        }
        if (!Jwt::secretIsUsable($secret)) {
            return __('Sightline is not active: SIGHTLINE_JWT_SECRET in .env is shorter than :n bytes.', ['n' => Jwt::MIN_SECRET_BYTES]);
        }

        return null;
    }

    /** Absolute URL of the user's photo, or null when they have none (FreeScout's initials). */
    public static function avatarUrl($user)
    {
        if (empty($user->photo_url)) {
            return null;
        }
        $url = $user->getPhotoUrl(false);
        if ($url === '' || $url === null) {
            return null;
        }

        return preg_match('#^https?://#i', $url) ? $url : url($url);
    }
}
