<?php

use Modules\Sightline\Support\Jwt;
use PHPUnit\Framework\TestCase;

final class JwtTest extends TestCase
{
    const SECRET = 'sightline-php-test-secret-0123456789';

    private static function decode($segment)
    {
        $padded = strtr($segment, '-_', '+/');
        $padded .= str_repeat('=', (4 - strlen($padded) % 4) % 4);

        return base64_decode($padded, true);
    }

    public function testSignsAnHs256CompactToken()
    {
        $token = Jwt::sign(['sub' => '7', 'exp' => 2000000000], self::SECRET);
        $parts = explode('.', $token);

        $this->assertCount(3, $parts);
        foreach ($parts as $part) {
            $this->assertMatchesRegularExpression('/^[A-Za-z0-9_-]+$/', $part, 'base64url without padding');
        }
        $this->assertSame(['alg' => 'HS256', 'typ' => 'JWT'], json_decode(self::decode($parts[0]), true));
        $this->assertSame(['sub' => '7', 'exp' => 2000000000], json_decode(self::decode($parts[1]), true));
        $this->assertSame(
            hash_hmac('sha256', $parts[0].'.'.$parts[1], self::SECRET, true),
            self::decode($parts[2])
        );
    }

    public function testMatchesAKnownVector()
    {
        // Computed independently: printf '%s' "$header.$payload" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64url
        $token = Jwt::sign(['sub' => '1', 'name' => 'Ann', 'rooms' => ['mailbox/1', 'mailbox/1/*'], 'iat' => 1, 'exp' => 901], self::SECRET);
        $this->assertSame(
            'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwibmFtZSI6IkFubiIsInJvb21zIjpbIm1haWxib3gvMSIsIm1haWxib3gvMS8qIl0sImlhdCI6MSwiZXhwIjo5MDF9.WzfqixmVA73TNPikmnuigq_on8xvrAgn_PZ8iG9DUAw',
            $token
        );
    }

    public function testKeepsSlashesAndUnicodeReadable()
    {
        $token = Jwt::sign(['name' => 'Zoë', 'avatar' => 'https://h/a.png'], self::SECRET);
        $payload = self::decode(explode('.', $token)[1]);
        $this->assertSame('{"name":"Zoë","avatar":"https://h/a.png"}', $payload);
    }

    public function testRefusesAShortSecret()
    {
        $this->assertFalse(Jwt::secretIsUsable(str_repeat('x', 31)));
        $this->assertFalse(Jwt::secretIsUsable(null));
        $this->assertFalse(Jwt::secretIsUsable(''));
        $this->assertTrue(Jwt::secretIsUsable(str_repeat('x', 32)));
        $this->expectException(\InvalidArgumentException::class);
        $this->expectExceptionMessage('SIGHTLINE_JWT_SECRET');
        Jwt::sign(['sub' => '1'], str_repeat('x', 31));
    }

    public function testADifferentSecretGivesADifferentSignature()
    {
        $a = explode('.', Jwt::sign(['sub' => '1'], self::SECRET));
        $b = explode('.', Jwt::sign(['sub' => '1'], self::SECRET.'!'));
        $this->assertSame($a[1], $b[1]);
        $this->assertNotSame($a[2], $b[2]);
    }
}
