<?php

namespace Modules\Sightline\Support;

/**
 * The language an agent reads FreeScout in, for the page's Sightline texts: the user's own
 * locale (their profile), else the installation's (APP_LOCALE), else English. As a BCP 47 tag:
 * FreeScout stores `zh-CN`, `pt-BR`; a Laravel-style `zh_CN` becomes `zh-CN`. The browser maps
 * it to the nearest catalogue the widget has (Public/js/sightline-freescout.js).
 */
class AgentLocale
{
    const FALLBACK = 'en';

    public static function of($user)
    {
        foreach ([$user ? ($user->locale ?? null) : null, config('app.locale')] as $locale) {
            $tag = str_replace('_', '-', trim((string) $locale));
            if (preg_match('/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/', $tag)) {
                return $tag;
            }
        }

        return self::FALLBACK;
    }
}
