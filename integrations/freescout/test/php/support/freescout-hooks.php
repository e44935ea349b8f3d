<?php

/*
 * FreeScout's plumbing as far as the module's bootstrap (start.php, Http/routes.php) and its
 * service provider use it, reduced to its behaviour: Eventy's actions and filters (run by
 * priority, then in the order added), the Route facade (groups with a prefix, named routes),
 * route(), asset(), e(), env(), app()->routesAreCached(), Module::getPublicPath() and
 * Helper::getSubdirectory() of an installation at the web root. With these a test boots a
 * copy of the module, of any version, and renders what it adds to FreeScout's layout
 * (test/token-route.php, for the e2e stand-in of FreeScout).
 */

namespace Illuminate\Support {
    abstract class ServiceProvider
    {
        protected $app;

        public function __construct($app = null)
        {
            $this->app = $app;
        }

        /** Laravel: the package's defaults under `$key`; the application's values win. */
        protected function mergeConfigFrom($path, $key)
        {
            foreach (require $path as $name => $value) {
                if (!array_key_exists($key.'.'.$name, \FreeScoutFake::$config)) {
                    \FreeScoutFake::$config[$key.'.'.$name] = $value;
                }
            }
        }

        protected function loadViewsFrom($path, $namespace)
        {
        }
    }
}

namespace {
    final class Eventy
    {
        /** @var array<string, array<int, array{int, int, callable}>> */
        private static $actions = [];
        /** @var array<string, array<int, array{int, int, callable}>> */
        private static $filters = [];
        private static $added = 0;

        public static function reset()
        {
            self::$actions = [];
            self::$filters = [];
        }

        public static function addAction($hook, $callback, $priority = 20, $arguments = 1)
        {
            self::$actions[$hook][] = [$priority, self::$added++, $callback];
        }

        public static function addFilter($hook, $callback, $priority = 20, $arguments = 1)
        {
            self::$filters[$hook][] = [$priority, self::$added++, $callback];
        }

        public static function action($hook, ...$args)
        {
            foreach (self::sorted(self::$actions[$hook] ?? []) as $callback) {
                $callback(...$args);
            }
        }

        public static function filter($hook, $value, ...$args)
        {
            foreach (self::sorted(self::$filters[$hook] ?? []) as $callback) {
                $value = $callback($value, ...$args);
            }

            return $value;
        }

        private static function sorted(array $entries)
        {
            usort($entries, function ($a, $b) {
                return [$a[0], $a[1]] <=> [$b[0], $b[1]];
            });

            return array_map(function ($entry) {
                return $entry[2];
            }, $entries);
        }
    }

    /** One route as routes.php declares it. */
    final class FreeScoutFakeRoute
    {
        /** @var string[] */
        public $methods;
        public $uri;
        public $action;
        public $name = null;

        public function __construct(array $methods, $uri, $action)
        {
            $this->methods = $methods;
            $this->uri = $uri;
            $this->action = $action;
        }

        public function name($name)
        {
            $this->name = $name;

            return $this;
        }
    }

    final class Route
    {
        /** @var FreeScoutFakeRoute[] */
        public static $routes = [];
        private static $prefix = '';

        public static function group(array $attributes, callable $routes)
        {
            $outer = self::$prefix;
            self::$prefix = rtrim($outer.'/'.trim($attributes['prefix'] ?? '', '/'), '/');
            $routes();
            self::$prefix = $outer;
        }

        public static function get($uri, $action)
        {
            return self::add(['GET', 'HEAD'], $uri, $action);
        }

        public static function post($uri, $action)
        {
            return self::add(['POST'], $uri, $action);
        }

        public static function match(array $methods, $uri, $action)
        {
            return self::add(array_map('strtoupper', $methods), $uri, $action);
        }

        private static function add(array $methods, $uri, $action)
        {
            $route = new FreeScoutFakeRoute($methods, self::$prefix.'/'.trim($uri, '/'), $action);
            self::$routes[] = $route;

            return $route;
        }
    }

    final class Module
    {
        /** Where `freescout:module-install` links a module's Public/ (public/modules/<alias>). */
        public static function getPublicPath($alias)
        {
            return 'modules/'.$alias;
        }
    }

    final class Helper
    {
        public static function getSubdirectory()
        {
            return '';
        }
    }

    function route($name)
    {
        foreach (Route::$routes as $route) {
            if ($route->name === $name) {
                return url($route->uri);
            }
        }
        throw new \InvalidArgumentException("Route [$name] not defined.");
    }

    function asset($path)
    {
        return url($path);
    }

    function e($value)
    {
        return htmlspecialchars((string) $value, ENT_QUOTES, 'UTF-8', true);
    }

    function env($key, $default = null)
    {
        $value = getenv($key);

        return $value === false ? $default : $value;
    }

    function app()
    {
        return new class() {
            public function routesAreCached()
            {
                return false;
            }
        };
    }
}
