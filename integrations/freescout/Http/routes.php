<?php

// The token route: web middleware (session cookie, CSRF) and a signed-in user.
Route::group([
    'middleware' => ['web', 'auth'],
    'prefix'     => \Helper::getSubdirectory(),
    'namespace'  => 'Modules\Sightline\Http\Controllers',
], function () {
    Route::post('/sightline-token', 'SightlineController@token')->name('sightline.token');
});
