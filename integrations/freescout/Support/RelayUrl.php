<?php

namespace Modules\Sightline\Support;

/**
 * The relay address as the agents' browsers reach it: ws:// or wss://, host, optional port and
 * path, nothing else (no query: the client appends the room and the token itself).
 *
 * SIGHTLINE_RELAY_URL may also be a path such as `/sightline` (the relay behind FreeScout's own
 * web server, docs/freescout.md): the address is then FreeScout's APP_URL host with `wss://`
 * for an https:// APP_URL (`ws://` for http://) and that path, so the page and the relay share
 * one origin (no second certificate, no CORS, no Local Network Access prompt).
 */
class RelayUrl
{
    /** $url trimmed and without a trailing slash, or null when it is no usable relay URL. */
    public static function normalize($url)
    {
        if (!is_string($url)) {
            return null;
        }
        $url = rtrim(trim($url), '/');
        $parts = parse_url($url);
        if ($parts === false || empty($parts['scheme']) || empty($parts['host'])) {
            return null;
        }
        if (!in_array(strtolower($parts['scheme']), ['ws', 'wss'], true)) {
            return null;
        }
        if (isset($parts['query']) || isset($parts['fragment']) || isset($parts['user'])) {
            return null;
        }
        if (preg_match('#[\s"\'<>;]#', $url)) {
            return null;
        }

        return $url;
    }

    /** Whether $url is a path on FreeScout's own host (`/sightline`), not an address. */
    public static function isPath($url)
    {
        return is_string($url) && preg_match('#^/(?!/)#', trim($url)) === 1;
    }

    /**
     * The relay address for the configured $url: a ws(s):// address as given (normalized), or a
     * path resolved against FreeScout's $app_url (scheme https -> wss, http -> ws, its host and
     * port, the path as given). Null when neither gives a usable address.
     */
    public static function resolve($url, $app_url)
    {
        if (!self::isPath($url)) {
            return self::normalize($url);
        }
        $app = is_string($app_url) ? parse_url(trim($app_url)) : false;
        if ($app === false || empty($app['scheme']) || empty($app['host'])) {
            return null;
        }
        $scheme = strtolower($app['scheme']);
        if (!in_array($scheme, ['http', 'https'], true)) {
            return null;
        }
        $address = ($scheme === 'https' ? 'wss' : 'ws').'://'.$app['host'];
        if (isset($app['port'])) {
            $address .= ':'.$app['port'];
        }

        return self::normalize($address.trim($url));
    }

    /** Whether $url is acceptable as SIGHTLINE_RELAY_URL (an address or a path on this host). */
    public static function isAcceptable($url)
    {
        return self::isPath($url)
            ? self::resolve($url, 'https://localhost') !== null
            : self::normalize($url) !== null;
    }

    /**
     * The CSP source of the relay (scheme, host and port): FreeScout's Content-Security-Policy
     * has no connect-src, so connections fall back to default-src 'self' and a relay on another
     * host or port is blocked unless the module names it.
     */
    public static function cspSource($url)
    {
        $url = self::normalize($url);
        if ($url === null) {
            return null;
        }
        $parts = parse_url($url);
        $source = strtolower($parts['scheme']).'://'.strtolower($parts['host']);
        if (isset($parts['port'])) {
            $source .= ':'.$parts['port'];
        }

        return $source;
    }
}
