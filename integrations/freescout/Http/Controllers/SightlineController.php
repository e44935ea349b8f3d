<?php

namespace Modules\Sightline\Http\Controllers;

use Illuminate\Routing\Controller;
use Modules\Sightline\Support\Grants;
use Modules\Sightline\Support\Jwt;
use Modules\Sightline\Support\Settings;

class SightlineController extends Controller
{
    /**
     * A fresh token for the signed-in user, granting exactly the mailboxes FreeScout lets them
     * see now (read from the database on every call, so a user removed from a mailbox gets no
     * new token for it). The browser calls this at start, ahead of expiry and after a refusal.
     */
    public function token()
    {
        $secret = Settings::secret();
        if (!Jwt::secretIsUsable($secret)) {
            return response()
                ->json(['error' => 'not_configured', 'message' => Settings::secretProblem()], 503)
                ->header('Cache-Control', 'no-store');
        }

        $user = auth()->user();
        $claims = Grants::claims(
            $user->id,
            $user->getFullName(),
            Settings::avatarUrl($user),
            $user->mailboxesIdsCanView(),
            time()
        );

        return response()
            ->json(['token' => Jwt::sign($claims, $secret), 'expiresAt' => $claims['exp']])
            ->header('Cache-Control', 'no-store');
    }
}
