<?php

namespace Modules\Sightline\Support;

/**
 * The relay address as the agents' browsers reach it: ws:// or wss://, host, optional port and
 * path, nothing else (no query: the client appends the room and the token itself).
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
