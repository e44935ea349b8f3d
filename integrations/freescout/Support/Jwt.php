<?php

namespace Modules\Sightline\Support;

/**
 * HS256 JSON Web Tokens, minted with hash_hmac (FreeScout's vendor has no JWT library and
 * modules cannot add one without composer). Only what Sightline's relay verifies: the header
 * {"alg":"HS256","typ":"JWT"}, a JSON payload, an HMAC-SHA256 signature, all base64url
 * without padding (RFC 7515).
 */
class Jwt
{
    /** The relay refuses HS256 secrets shorter than this (docs/integration.md). */
    const MIN_SECRET_BYTES = 32;

    /**
     * Signs $claims with $secret. Throws \InvalidArgumentException when the secret is too
     * short, so a weak configuration fails loudly instead of minting tokens the relay refuses.
     */
    public static function sign(array $claims, $secret)
    {
        self::assertSecret($secret);
        $header = self::base64url(json_encode(['alg' => 'HS256', 'typ' => 'JWT']));
        $payload = self::base64url(json_encode($claims, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));
        $signature = self::base64url(hash_hmac('sha256', $header.'.'.$payload, $secret, true));

        return $header.'.'.$payload.'.'.$signature;
    }

    /** Whether $secret is usable: a string of at least MIN_SECRET_BYTES bytes. */
    public static function secretIsUsable($secret)
    {
        return is_string($secret) && strlen($secret) >= self::MIN_SECRET_BYTES;
    }

    public static function assertSecret($secret)
    {
        if (!self::secretIsUsable($secret)) {
            throw new \InvalidArgumentException(
                'SIGHTLINE_JWT_SECRET must be at least '.self::MIN_SECRET_BYTES.' bytes'
            );
        }
    }

    public static function base64url($bytes)
    {
        return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
    }
}
