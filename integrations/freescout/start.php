<?php

/*
|--------------------------------------------------------------------------
| Sightline module bootstrap
|--------------------------------------------------------------------------
| Loaded by FreeScout's module loader ("files" in module.json). Routes are
| read here unless Laravel's route cache already holds them.
*/

if (!app()->routesAreCached()) {
    require __DIR__.'/Http/routes.php';
}
