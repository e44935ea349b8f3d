<?php

use Modules\Sightline\Support\RelayUrlRule;
use Modules\Sightline\Support\Settings;
use PHPUnit\Framework\TestCase;

final class SettingsTest extends TestCase
{
    protected function setUp(): void
    {
        FreeScoutFake::reset([
            'app.url'              => 'https://help.example.com',
            'sightline.jwt_secret' => str_repeat('s', 32),
        ]);
    }

    /** @dataProvider addresses */
    public function testTheRelayAddressTheBrowsersOpen($configured, $app_url, $expected)
    {
        FreeScoutFake::$config['sightline.relay_url'] = $configured;
        FreeScoutFake::$config['app.url'] = $app_url;
        $this->assertSame($expected, Settings::relayUrl());
        $this->assertSame($expected !== null, Settings::isConfigured());
        $this->assertSame($expected === null, Settings::problem() !== null);
    }

    public function addresses()
    {
        return [
            'an address as given'       => ['wss://presence.example.com/', 'https://help.example.com', 'wss://presence.example.com'],
            'a path on https FreeScout' => ['/sightline/', 'https://help.example.com', 'wss://help.example.com/sightline'],
            'a path, FreeScout in a subdirectory, with a port' => ['/sightline', 'https://Help.example.com:8443/helpdesk', 'wss://Help.example.com:8443/sightline'],
            'a path on http FreeScout'  => ['/sightline', 'http://10.0.0.5', 'ws://10.0.0.5/sightline'],
            'a path without APP_URL'    => ['/sightline', '', null],
            'http is no relay address'  => ['http://help.example.com/sightline', 'https://help.example.com', null],
            'a protocol-relative URL'   => ['//evil.example.com/x', 'https://help.example.com', null],
            'a path breaking the CSP'   => ['/sight;line', 'https://help.example.com', null],
        ];
    }

    public function testTheSettingsFieldNamesWhatItWants()
    {
        $rule = new RelayUrlRule();
        $this->assertTrue($rule->passes('settings.sightline_relay_url', 'wss://presence.example.com'));
        $this->assertTrue($rule->passes('settings.sightline_relay_url', '/sightline'));
        $this->assertTrue($rule->passes('settings.sightline_relay_url', ''));
        $this->assertFalse($rule->passes('settings.sightline_relay_url', 'http://presence.example.com'));
        $this->assertFalse($rule->passes('settings.sightline_relay_url', 'wss://presence.example.com/?a=b'));
        $this->assertStringStartsWith('The relay URL must be a ws:// or wss:// address', $rule->message());
        $this->assertStringNotContainsString('settings.', $rule->message());
    }
}
