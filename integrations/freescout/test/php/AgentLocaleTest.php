<?php

use App\User;
use Modules\Sightline\Support\AgentLocale;
use PHPUnit\Framework\TestCase;

final class AgentLocaleTest extends TestCase
{
    protected function setUp(): void
    {
        FreeScoutFake::reset(['app.locale' => 'de']);
    }

    /** @dataProvider locales */
    public function testTheAgentsOwnLocaleThenTheInstallations($user_locale, $app_locale, $expected)
    {
        FreeScoutFake::$config['app.locale'] = $app_locale;
        $this->assertSame($expected, AgentLocale::of(new User(['id' => 1, 'locale' => $user_locale])));
    }

    public function locales()
    {
        return [
            'the user\'s, as FreeScout stores it' => ['zh-CN', 'en', 'zh-CN'],
            'Brazilian Portuguese'                => ['pt-BR', 'en', 'pt-BR'],
            'Laravel\'s underscore'               => ['zh_CN', 'en', 'zh-CN'],
            'none of their own: the app\'s'       => [null, 'fr', 'fr'],
            'empty: the app\'s'                   => ['', 'ja', 'ja'],
            'garbage: the app\'s'                 => ['"><script>', 'es', 'es'],
            'neither: English'                    => [null, null, 'en'],
        ];
    }

    public function testNoUserTakesTheInstallationsLocale()
    {
        $this->assertSame('de', AgentLocale::of(null));
    }
}
