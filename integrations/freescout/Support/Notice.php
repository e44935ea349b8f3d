<?php

namespace Modules\Sightline\Support;

/**
 * The admin notice while the module is not configured, in the markup of FreeScout's own global
 * notices for admins (partials/floating_flash_messages: `.alert.alert-floating.alert-noautohide`,
 * fixed at the top of the page and shown by main.js's fsFloatingAlertsInit), so it appears on
 * every page FreeScout's layout renders without taking room in any page's layout.
 */
class Notice
{
    /** The notice for $problem (one sentence), or '' when there is nothing to fix. */
    public static function html($problem)
    {
        if ($problem === null || $problem === '') {
            return '';
        }

        return '<div class="alert alert-warning alert-floating alert-noautohide sightline-notice" role="alert">'
            .'<div><i class="glyphicon glyphicon-exclamation-sign"></i>'
            .htmlspecialchars($problem, ENT_QUOTES, 'UTF-8')
            .'</div></div>';
    }
}
