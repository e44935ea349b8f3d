<?php

use Modules\Sightline\Support\Notice;
use Modules\Sightline\Support\Settings;
use PHPUnit\Framework\TestCase;

final class NoticeTest extends TestCase
{
    public function testIsAFloatingAlertAsFreeScoutsOwnAdminNotices()
    {
        FreeScoutFake::reset(['app.url' => 'https://help.example.com', 'sightline.relay_url' => 'http://x']);
        $html = Notice::html(Settings::problem());
        // Fixed at the top of the page, outside every layout (style.css .alert-floating), shown
        // by main.js until clicked away: FreeScout's markup for flashes_floating.
        $this->assertMatchesRegularExpression('#^<div class="alert alert-warning alert-floating alert-noautohide sightline-notice" role="alert"><div><i class="glyphicon glyphicon-exclamation-sign"></i>[^<]+</div></div>$#', $html);
        $this->assertStringContainsString('SIGHTLINE_JWT_SECRET is missing', $html);
    }

    public function testEscapesTheText()
    {
        $this->assertStringContainsString('&lt;b&gt; &amp; &quot;', Notice::html('<b> & "'));
    }

    public function testNothingWhenConfigured()
    {
        FreeScoutFake::reset([
            'app.url'              => 'https://help.example.com',
            'sightline.relay_url'  => '/sightline',
            'sightline.jwt_secret' => str_repeat('s', 32),
        ]);
        $this->assertSame('', Notice::html(Settings::problem()));
    }
}
