<?php

namespace Modules\Sightline\Providers;

use Illuminate\Support\ServiceProvider;
use Modules\Sightline\Support\AgentLocale;
use Modules\Sightline\Support\Notice;
use Modules\Sightline\Support\RelayUrl;
use Modules\Sightline\Support\RelayUrlRule;
use Modules\Sightline\Support\Settings;

/*
 * Module alias: the folder under public/modules/ that `freescout:module-install sightline`
 * links to this module's Public/.
 */
if (!defined('SIGHTLINE_MODULE')) {
    define('SIGHTLINE_MODULE', 'sightline');
}

/**
 * Wires Sightline into FreeScout through its hooks (Eventy filters and actions): the scripts
 * (deferred tags) and stylesheet on every agent page, the page configuration in a meta tag, the
 * relay in the Content-Security-Policy, the settings section, and an admin notice while
 * unconfigured.
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

    /** The module's version (module.json), to bust browser caches on upgrade. */
    private static function version()
    {
        $json = json_decode((string) @file_get_contents(__DIR__.'/../module.json'), true);

        return is_array($json) && isset($json['version']) ? (string) $json['version'] : '0';
    }

    /** Whether this request renders an agent page Sightline should run on. */
    private static function active()
    {
        return auth()->check() && Settings::isConfigured();
    }

    private function assetHooks()
    {
        // Scripts as their own deferred tags, not through the 'javascripts' filter: that list is
        // combined and minified by FreeScout's Minify (JShrink), which broke the modern JS of the
        // bundle and of the binding script (a newline after a template literal was dropped:
        // "Unexpected token 'const'", and with it all of FreeScout's JS). Deferred scripts run
        // after FreeScout's build (main.js), whose globals the binding uses, and after parsing.
        \Eventy::addAction('layout.body_bottom', function () {
            if (!self::active()) {
                return;
            }
            $base = asset(\Module::getPublicPath(SIGHTLINE_MODULE));
            $version = '?v='.rawurlencode(self::version());
            echo '<script defer src="'.e($base.'/js/sightline.iife.js'.$version).'"></script>';
            echo '<script defer src="'.e($base.'/js/sightline-freescout.js'.$version).'"></script>';
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
                // The agent's language, whatever <html lang> says: the binding's words and the
                // `lang` Sightline's elements follow.
                'locale'   => AgentLocale::of(auth()->user()),
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

        // An admin sees why Sightline is off instead of a page that silently lacks it, where
        // FreeScout puts its own global notices for admins (floating_flash_messages: a floating
        // alert at the top of every page, outside the page's layout, stays until clicked away).
        \Eventy::addAction('layout.body_bottom', function () {
            $user = auth()->user();
            if (!$user || !$user->isAdmin()) {
                return;
            }
            echo Notice::html(Settings::problem());
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
                    // The "Test connection" button (Public/js/sightline-settings.js).
                    'sightline_relay'     => Settings::relayUrl(),
                    'sightline_token_url' => route('sightline.token'),
                    'sightline_test_js'   => asset(\Module::getPublicPath(SIGHTLINE_MODULE).'/js/sightline-settings.js').'?v='.rawurlencode(self::version()),
                ],
                // Saved into .env, like FreeScout's own env-backed settings.
                'settings' => [
                    'sightline_relay_url' => ['env' => 'SIGHTLINE_RELAY_URL'],
                ],
                'validator_rules' => [
                    'settings.sightline_relay_url' => ['nullable', new RelayUrlRule()],
                ],
            ];
        }, 20, 2);

        \Eventy::addFilter('settings.view', function ($view, $section) {
            return $section === self::SECTION ? 'sightline::settings' : $view;
        }, 20, 2);
    }
}
