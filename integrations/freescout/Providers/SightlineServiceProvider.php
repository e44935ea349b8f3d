<?php

namespace Modules\Sightline\Providers;

use Illuminate\Support\ServiceProvider;
use Modules\Sightline\Support\RelayUrl;
use Modules\Sightline\Support\Settings;

/*
 * Module alias: the folder under public/modules/ that `freescout:module-install sightline`
 * links to this module's Public/.
 */
if (!defined('SIGHTLINE_MODULE')) {
    define('SIGHTLINE_MODULE', 'sightline');
}

/**
 * Wires Sightline into FreeScout through its hooks (Eventy filters and actions): the scripts and
 * stylesheet on every agent page, the page configuration in a meta tag, the relay in the
 * Content-Security-Policy, the settings section, and an admin notice while unconfigured.
 */
class SightlineServiceProvider extends ServiceProvider
{
    /** Settings section id (Manage » Settings » Sightline). */
    const SECTION = 'sightline';

    public function boot()
    {
        $this->mergeConfigFrom(__DIR__.'/../Config/config.php', 'sightline');
        $this->loadViewsFrom(__DIR__.'/../Resources/views', 'sightline');
        $this->assetHooks();
        $this->settingsHooks();
    }

    public function register()
    {
    }

    /** Whether this request renders an agent page Sightline should run on. */
    private static function active()
    {
        return auth()->check() && Settings::isConfigured();
    }

    private function assetHooks()
    {
        \Eventy::addFilter('javascripts', function ($javascripts) {
            if (self::active()) {
                $base = \Module::getPublicPath(SIGHTLINE_MODULE);
                $javascripts[] = $base.'/js/sightline.iife.js';
                $javascripts[] = $base.'/js/sightline-freescout.js';
            }

            return $javascripts;
        });

        \Eventy::addFilter('stylesheets', function ($styles) {
            if (self::active()) {
                $styles[] = \Module::getPublicPath(SIGHTLINE_MODULE).'/css/sightline-freescout.css';
            }

            return $styles;
        });

        // What the binding script needs, as data (no inline script: FreeScout's CSP only runs
        // inline scripts carrying its nonce).
        \Eventy::addAction('layout.head', function () {
            if (!self::active()) {
                return;
            }
            $config = [
                'relayUrl' => Settings::relayUrl(),
                'tokenUrl' => route('sightline.token'),
            ];
            echo '<meta name="sightline-config" content="'.e(json_encode($config, JSON_UNESCAPED_SLASHES)).'">';
        });

        // FreeScout's CSP has no connect-src, so sockets fall back to default-src 'self'.
        \Eventy::addFilter('csp.custom', function ($csp) {
            if (!self::active()) {
                return $csp;
            }

            return $csp." connect-src 'self' ".RelayUrl::cspSource(Settings::relayUrl()).';';
        });

        // An admin sees why Sightline is off instead of a page that silently lacks it.
        \Eventy::addFilter('flash_messages.flashes', function ($flashes) {
            $user = auth()->user();
            if (!$user || !$user->isAdmin()) {
                return $flashes;
            }
            $problem = Settings::problem();
            if ($problem !== null) {
                $flashes[] = ['type' => 'warning', 'text' => $problem, 'unescaped' => false];
            }

            return $flashes;
        });
    }

    private function settingsHooks()
    {
        \Eventy::addFilter('settings.sections', function ($sections) {
            $sections[self::SECTION] = ['title' => __('Sightline'), 'icon' => 'eye-open', 'order' => 550];

            return $sections;
        });

        \Eventy::addFilter('settings.section_settings', function ($settings, $section) {
            if ($section !== self::SECTION) {
                return $settings;
            }

            return ['sightline_relay_url' => config('sightline.relay_url')];
        }, 20, 2);

        \Eventy::addFilter('settings.section_params', function ($params, $section) {
            if ($section !== self::SECTION) {
                return $params;
            }

            return [
                'template_vars' => [
                    'sightline_problem'   => Settings::problem(),
                    'sightline_secret_ok' => Settings::secretProblem() === null,
                ],
                // Saved into .env, like FreeScout's own env-backed settings.
                'settings' => [
                    'sightline_relay_url' => ['env' => 'SIGHTLINE_RELAY_URL'],
                ],
                'validator_rules' => [
                    'settings.sightline_relay_url' => ['nullable', 'regex:#^wss?://[^\s"\'<>;?\#]+$#i'],
                ],
            ];
        }, 20, 2);

        \Eventy::addFilter('settings.view', function ($view, $section) {
            return $section === self::SECTION ? 'sightline::settings' : $view;
        }, 20, 2);
    }
}
