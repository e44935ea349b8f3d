<?php

use App\Mailbox;
use App\User;
use Modules\Sightline\Http\Controllers\SightlineController;
use Modules\Sightline\Support\Grants;
use PHPUnit\Framework\TestCase;

/**
 * The token route (POST /sightline/token) run through its controller with FreeScout's users:
 * what a user can view in FreeScout is exactly what their token grants, nothing for disabled,
 * deleted or signed-out users, and no token while the module is not configured.
 */
final class TokenControllerTest extends TestCase
{
    const SECRET = 'sightline-controller-test-secret-0123456789';

    protected function setUp(): void
    {
        FreeScoutFake::reset([
            'app.url'              => 'https://help.example.com',
            'sightline.relay_url'  => 'wss://help.example.com/sightline',
            'sightline.jwt_secret' => self::SECRET,
        ]);
        // Mailboxes 1-4 exist in this FreeScout.
        Mailbox::$ids = [1, 2, 3, 4];
    }

    private static function agent(array $attributes = [])
    {
        return new User($attributes + ['id' => 7, 'first_name' => 'Ann', 'last_name' => 'Lee', 'mailbox_ids' => [3, 1]]);
    }

    private static function call(User $user = null)
    {
        FreeScoutFake::$user = $user;

        return (new SightlineController())->token();
    }

    /** The claims of the token in a 200 answer, after checking its signature. */
    private function claimsOf($response)
    {
        $this->assertSame(200, $response->status, json_encode($response->data));
        $this->assertSame('no-store', $response->headers['Cache-Control']);
        $token = $response->data['token'];
        [$header, $payload, $signature] = explode('.', $token);
        $expected = rtrim(strtr(base64_encode(hash_hmac('sha256', $header.'.'.$payload, self::SECRET, true)), '+/', '-_'), '=');
        $this->assertSame($expected, $signature, 'signed with SIGHTLINE_JWT_SECRET');
        $claims = json_decode(base64_decode(strtr($payload, '-_', '+/')), true);
        $this->assertSame($claims['exp'], $response->data['expiresAt']);

        return $claims;
    }

    private function assertRefused($response, $status, $error)
    {
        $this->assertSame($status, $response->status);
        $this->assertSame($error, $response->data['error']);
        $this->assertArrayNotHasKey('token', $response->data);
        $this->assertSame('no-store', $response->headers['Cache-Control']);
    }

    public function testAnAgentIsGrantedTheMailboxesTheyCanViewAndNoOther()
    {
        $claims = $this->claimsOf(self::call(self::agent()));

        $this->assertSame('7', $claims['sub']);
        $this->assertSame('Ann Lee', $claims['name']);
        $this->assertSame(['mailbox/1', 'mailbox/1/*', 'mailbox/3', 'mailbox/3/*'], $claims['rooms']);
        $this->assertArrayNotHasKey('avatar', $claims);
        $this->assertSame(Grants::TTL_SECONDS, $claims['exp'] - $claims['iat']);
        $this->assertEqualsWithDelta(time(), $claims['iat'], 2);
    }

    public function testAnAgentInNoMailboxIsGrantedNoRoom()
    {
        $claims = $this->claimsOf(self::call(self::agent(['mailbox_ids' => []])));
        $this->assertSame([], $claims['rooms']);
    }

    public function testAnAdminIsGrantedEveryMailboxAsFreeScoutShowsThemAll()
    {
        $claims = $this->claimsOf(self::call(self::agent(['role' => User::ROLE_ADMIN, 'mailbox_ids' => []])));
        $this->assertSame(
            ['mailbox/1', 'mailbox/1/*', 'mailbox/2', 'mailbox/2/*', 'mailbox/3', 'mailbox/3/*', 'mailbox/4', 'mailbox/4/*'],
            $claims['rooms']
        );
    }

    public function testTwoAgentsGetTheirOwnMailboxesEach()
    {
        $ann = $this->claimsOf(self::call(self::agent(['mailbox_ids' => [2]])));
        $bob = $this->claimsOf(self::call(self::agent(['id' => 8, 'first_name' => 'Bob', 'last_name' => 'Ray', 'mailbox_ids' => [4, 2]])));
        $this->assertSame(['mailbox/2', 'mailbox/2/*'], $ann['rooms']);
        $this->assertSame(['mailbox/2', 'mailbox/2/*', 'mailbox/4', 'mailbox/4/*'], $bob['rooms']);
        $this->assertSame(['7', '8'], [$ann['sub'], $bob['sub']]);
    }

    public function testAnAgentRemovedFromAMailboxGetsNoFurtherTokenForIt()
    {
        $user = self::agent(['mailbox_ids' => [1, 3]]);
        $this->assertContains('mailbox/3/*', $this->claimsOf(self::call($user))['rooms']);
        $user->mailbox_ids = [1];
        $this->assertSame(['mailbox/1', 'mailbox/1/*'], $this->claimsOf(self::call($user))['rooms']);
    }

    public function testAPhotoBecomesAnAbsoluteAvatarUrl()
    {
        $claims = $this->claimsOf(self::call(self::agent(['photo_url' => 'ann.png'])));
        $this->assertSame('https://help.example.com/storage/users/ann.png', $claims['avatar']);
    }

    public function testADisabledUserGetsNoToken()
    {
        $this->assertRefused(self::call(self::agent(['status' => User::STATUS_DISABLED])), 403, 'no_access');
    }

    public function testADeletedUserGetsNoToken()
    {
        $user = self::agent();
        $this->assertSame(200, self::call($user)->status);
        $user->markDeleted();
        $this->assertRefused(self::call($user), 403, 'no_access');
    }

    public function testADeletedAdminGetsNoTokenThoughTheirRoleWouldSeeEverything()
    {
        $this->assertRefused(self::call(self::agent(['role' => User::ROLE_ADMIN, 'status' => User::STATUS_DELETED])), 403, 'no_access');
    }

    public function testNobodySignedInGetsNoToken()
    {
        $this->assertRefused(self::call(null), 403, 'no_access');
    }

    /** @dataProvider unconfigured */
    public function testNoTokenWhileTheModuleIsNotConfigured(array $config, $named)
    {
        FreeScoutFake::$config = $config + FreeScoutFake::$config;
        $response = self::call(self::agent());
        $this->assertRefused($response, 503, 'not_configured');
        $this->assertStringContainsString($named, $response->data['message']);
    }

    public function unconfigured()
    {
        return [
            'secret missing'       => [['sightline.jwt_secret' => ''], 'SIGHTLINE_JWT_SECRET is missing'],
            'secret too short'     => [['sightline.jwt_secret' => str_repeat('x', 31)], 'shorter than 32 bytes'],
            'relay url missing'    => [['sightline.relay_url' => ''], 'set SIGHTLINE_RELAY_URL'],
            'relay url http'       => [['sightline.relay_url' => 'http://help.example.com:1234'], 'SIGHTLINE_RELAY_URL must be a ws:// or wss:// address'],
            'relay url with query' => [['sightline.relay_url' => 'wss://help.example.com/?token=x'], 'SIGHTLINE_RELAY_URL must be'],
            'path without app url' => [['sightline.relay_url' => '/sightline', 'app.url' => ''], 'APP_URL'],
        ];
    }

    public function testARelayPathOnFreeScoutsHostIsConfigured()
    {
        FreeScoutFake::$config['sightline.relay_url'] = '/sightline';
        $this->assertSame(200, self::call(self::agent())->status);
    }
}
