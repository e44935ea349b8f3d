<?php

// The pure parts of the module, loaded as FreeScout's autoloader would load them.
require __DIR__.'/../../Support/Jwt.php';
require __DIR__.'/../../Support/Grants.php';
require __DIR__.'/../../Support/RelayUrl.php';
