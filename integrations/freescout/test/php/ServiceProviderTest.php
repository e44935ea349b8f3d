<?php

use App\User;
use Modules\Sightline\Providers\SightlineServiceProvider;
use PHPUnit\Framework\TestCase;

/** What the provider adds to FreeScout's layout for a signed-in agent. */
final class ServiceProviderTest extends TestCase
{
    protected function setUp(): void
    {
        FreeScoutFake::reset([
            'app.url'              => 'https://help.example.com',
            'app.locale'           => 'fr',
            'sightline.relay_url'  => 'wss://help.example.com/sightline',
            'sightline.jwt_secret' => str_repeat('s', 32),
        ]);
        Eventy::reset();
        (new SightlineServiceProvider(null))->boot();
    }

    /** The page configuration of the meta tag, as the binding script reads it. */
    private static function pageConfig()
    {
        ob_start();
        Eventy::action('layout.head');
        $head = ob_get_clean();
        if (!preg_match('/<meta name="sightline-config" content="([^"]*)">/', $head, $match)) {
            return null;
        }

        return json_decode(html_entity_decode($match[1], ENT_QUOTES), true);
    }

    public function testTheAgentsLocaleTravelsWithTheRelayAndTokenRoute()
    {
        FreeScoutFake::$user = new User(['id' => 7, 'locale' => 'zh-CN']);
        $this->assertSame([
            'relayUrl' => 'wss://help.example.com/sightline',
            'tokenUrl' => 'https://help.example.com/sightline-token',
            'locale'   => 'zh-CN',
        ], self::pageConfig());
    }

    public function testAnAgentWithoutALocaleGetsTheInstallations()
    {
        FreeScoutFake::$user = new User(['id' => 7]);
        $this->assertSame('fr', self::pageConfig()['locale']);
    }

    public function testScriptsAreCacheBustedByTheModulesVersion()
    {
        FreeScoutFake::$user = new User(['id' => 7]);
        $version = json_decode(file_get_contents(__DIR__.'/../../module.json'), true)['version'];
        ob_start();
        Eventy::action('layout.body_bottom');
        $body = ob_get_clean();
        $this->assertStringContainsString('/modules/sightline/js/sightline.iife.js?v='.$version.'"', $body);
        $this->assertStringContainsString('/modules/sightline/js/sightline-freescout.js?v='.$version.'"', $body);
    }

    public function testNothingForAVisitorWhoIsNotSignedIn()
    {
        $this->assertNull(self::pageConfig());
    }
}
