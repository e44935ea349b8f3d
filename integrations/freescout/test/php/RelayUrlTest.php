<?php

use Modules\Sightline\Support\RelayUrl;
use PHPUnit\Framework\TestCase;

final class RelayUrlTest extends TestCase
{
    public function testAcceptsWebSocketAddresses()
    {
        $this->assertSame('wss://presence.example.com', RelayUrl::normalize(' wss://presence.example.com/ '));
        $this->assertSame('ws://127.0.0.1:1234', RelayUrl::normalize('ws://127.0.0.1:1234'));
        $this->assertSame('wss://example.com/relay', RelayUrl::normalize('wss://example.com/relay/'));
    }

    /** @dataProvider unusable */
    public function testRefusesWhatIsNoRelayAddress($url)
    {
        $this->assertNull(RelayUrl::normalize($url));
        $this->assertNull(RelayUrl::cspSource($url));
    }

    public function unusable()
    {
        return [
            'empty'      => [''],
            'null'       => [null],
            'http'       => ['http://example.com'],
            'no host'    => ['ws://'],
            'query'      => ['wss://example.com/?token=x'],
            'credential' => ['wss://u:p@example.com'],
            'csp break'  => ["wss://example.com/a;script-src"],
            'quote'      => ["wss://example.com/'x"],
        ];
    }

    public function testCspSourceIsSchemeHostAndPort()
    {
        $this->assertSame('wss://presence.example.com', RelayUrl::cspSource('wss://Presence.Example.com/relay'));
        $this->assertSame('ws://127.0.0.1:1234', RelayUrl::cspSource('ws://127.0.0.1:1234'));
    }
}
