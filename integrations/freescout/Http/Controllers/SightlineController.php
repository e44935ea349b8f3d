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
     * see now (`mailboxesIdsCanView()`, read on every call, so a user removed from a mailbox
     * gets no new token for it). The browser calls this at start, in the background ahead of
     * expiry (tokens live Grants::TTL_SECONDS) and after a refusal.
     *
     * 503 while the module is not configured (secret or relay URL unusable): a token for a
     * relay the browsers cannot open would only make them retry. 403 for a user who is
     * disabled or deleted (FreeScout's LogoutIfDeleted middleware normally signs them out
     * first; this route does not rely on it).
     */
    public function token()
    {
        $problem = Settings::problem();
        if ($problem !== null) {
            return self::refuse(503, 'not_configured', $problem);
        }

        $user = auth()->user();
        if (!$user || $user->isDisabled() || $user->isDeleted()) {
            return self::refuse(403, 'no_access', __('This user may not use Sightline.'));
        }

        $claims = Grants::claims(
            $user->id,
            $user->getFullName(),
            Settings::avatarUrl($user),
            $user->mailboxesIdsCanView(),
            time()
        );

        return response()
            ->json(['token' => Jwt::sign($claims, Settings::secret()), 'expiresAt' => $claims['exp']])
            ->header('Cache-Control', 'no-store');
    }

    private static function refuse($status, $error, $message)
    {
        return response()
            ->json(['error' => $error, 'message' => $message], $status)
            ->header('Cache-Control', 'no-store');
    }
}
