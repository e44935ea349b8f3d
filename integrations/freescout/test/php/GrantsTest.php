<?php

use Modules\Sightline\Support\Grants;
use PHPUnit\Framework\TestCase;

final class GrantsTest extends TestCase
{
    public function testEachMailboxGivesItsListRoomAndItsConversations()
    {
        $this->assertSame(
            ['mailbox/2', 'mailbox/2/*', 'mailbox/10', 'mailbox/10/*'],
            Grants::rooms([10, '2', 10])
        );
    }

    public function testNoMailboxGrantsNothing()
    {
        $this->assertSame([], Grants::rooms([]));
    }

    /** @dataProvider badIds */
    public function testRefusesIdsThatAreNotPositiveIntegers($id)
    {
        $this->expectException(\InvalidArgumentException::class);
        Grants::rooms([$id]);
    }

    public function badIds()
    {
        return [
            'zero'      => [0],
            'negative'  => [-1],
            'wildcard'  => ['*'],
            'path'      => ['1/conversation/2'],
            'traversal' => ['..'],
            'float'     => [1.5],
            'padded'    => ['01'],
            'null'      => [null],
        ];
    }

    public function testClaimsOfAUser()
    {
        $claims = Grants::claims(7, 'Ann Lee', 'https://help.example.com/storage/users/a.png', [3, 1], 1700000000);
        $this->assertSame([
            'sub'    => '7',
            'name'   => 'Ann Lee',
            'avatar' => 'https://help.example.com/storage/users/a.png',
            'rooms'  => ['mailbox/1', 'mailbox/1/*', 'mailbox/3', 'mailbox/3/*'],
            'iat'    => 1700000000,
            'exp'    => 1700000040,
        ], $claims);
    }

    public function testLifetimeIsFortySecondsSoRevocationTakesEffectWithinAMinute()
    {
        $claims = Grants::claims(1, 'A', null, [1], 100);
        $this->assertSame(40, $claims['exp'] - $claims['iat']);
    }

    public function testNoPhotoMeansNoAvatarClaim()
    {
        $this->assertArrayNotHasKey('avatar', Grants::claims(1, 'A', null, [1], 0));
        $this->assertArrayNotHasKey('avatar', Grants::claims(1, 'A', '', [1], 0));
        $this->assertArrayNotHasKey('avatar', Grants::claims(1, 'A', 'https://h/'.str_repeat('a', 2048), [1], 0));
    }

    public function testNamesTheRelayWouldRefuseAreMadeAcceptable()
    {
        $this->assertSame('User 5', Grants::claims(5, '  ', null, [], 0)['name']);
        $long = Grants::claims(5, str_repeat('é', 300), null, [], 0)['name'];
        $this->assertSame(200, mb_strlen($long));
        // An emoji is two UTF-16 units, as the relay counts: 150 of them are cut to 100.
        $emoji = Grants::claims(5, str_repeat("\u{1F600}", 150), null, [], 0)['name'];
        $this->assertSame(100, mb_strlen($emoji));
    }

    public function testUserIdMustBeAPositiveInteger()
    {
        $this->expectException(\InvalidArgumentException::class);
        Grants::claims('7 OR 1', 'A', null, [1], 0);
    }
}
