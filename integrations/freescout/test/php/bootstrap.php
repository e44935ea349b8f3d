<?php

// FreeScout's helpers and models as far as the module uses them (test/php/support), then the
// module's classes, loaded as FreeScout's autoloader would load them.
require __DIR__.'/support/freescout-stubs.php';
require __DIR__.'/support/freescout-hooks.php';
require __DIR__.'/../../Support/Jwt.php';
require __DIR__.'/../../Support/Grants.php';
require __DIR__.'/../../Support/RelayUrl.php';
require __DIR__.'/../../Support/RelayUrlRule.php';
require __DIR__.'/../../Support/Settings.php';
require __DIR__.'/../../Http/Controllers/SightlineController.php';
require __DIR__.'/../../Support/Notice.php';
require __DIR__.'/../../Support/AgentLocale.php';
require __DIR__.'/../../Providers/SightlineServiceProvider.php';
require __DIR__.'/../../Http/routes.php';
