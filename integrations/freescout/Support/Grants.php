<?php

namespace Modules\Sightline\Support;

/**
 * The token claims of one FreeScout user. Rooms follow @sightline/protocol's grammar:
 * `mailbox/<m>` is the mailbox's list room, `mailbox/<m>/*` admits every room below it (its
 * conversations). Nothing else is granted, so an agent without access to a mailbox can neither
 * see nor be seen in its conversations.
 */
class Grants
{
    /**
     * Token lifetime, seconds. Short, so that losing access takes effect within a minute: the
     * browser refreshes in the background at 80% (32 s), and a token that no longer grants the
     * room ends the tab's presence; a client that does not refresh is closed by the relay when
     * its token expires (4401, within exp + the relay's clock tolerance, 5 s by default). The
     * route costs about two calls a minute per open tab (FreeScout itself polls every 5 s).
     */
    const TTL_SECONDS = 40;

    /** Limits of the relay's claim checks (@sightline/protocol PresenceLimits), in UTF-16 units. */
    const MAX_NAME_UNITS = 200;
    const MAX_AVATAR_UNITS = 2048;

    /**
     * The `rooms` claim for mailbox ids: for each id, its list room and its conversations,
     * ordered by id, duplicates dropped. Ids must be positive integers (FreeScout's are); any
     * other value is refused, so a room segment can never carry `/`, `*` or `..`.
     */
    public static function rooms(array $mailbox_ids)
    {
        $ids = [];
        foreach ($mailbox_ids as $id) {
            $ids[] = self::positiveInt($id, 'mailbox id');
        }
        $ids = array_values(array_unique($ids));
        sort($ids);

        $rooms = [];
        foreach ($ids as $id) {
            $rooms[] = 'mailbox/'.$id;
            $rooms[] = 'mailbox/'.$id.'/*';
        }

        return $rooms;
    }

    /**
     * All claims of a token for the user: `sub` (the id as a string), `name`, `avatar` only
     * when the user has a photo, `rooms`, `iat` and `exp` (`iat` + TTL_SECONDS).
     */
    public static function claims($user_id, $name, $avatar_url, array $mailbox_ids, $now)
    {
        $id = self::positiveInt($user_id, 'user id');
        $name = trim((string) $name);
        $claims = [
            'sub'  => (string) $id,
            // The relay refuses an empty or overlong name: fall back, or cut at a character.
            'name' => $name === '' ? 'User '.$id : self::cut($name, self::MAX_NAME_UNITS),
        ];
        if (is_string($avatar_url) && $avatar_url !== '' && self::units($avatar_url) <= self::MAX_AVATAR_UNITS) {
            $claims['avatar'] = $avatar_url;
        }
        $claims['rooms'] = self::rooms($mailbox_ids);
        $claims['iat'] = (int) $now;
        $claims['exp'] = (int) $now + self::TTL_SECONDS;

        return $claims;
    }

    /** Length of $text as JavaScript counts it (UTF-16 code units). */
    private static function units($text)
    {
        return intdiv(strlen(mb_convert_encoding($text, 'UTF-16LE', 'UTF-8')), 2);
    }

    private static function cut($text, $max_units)
    {
        $text = mb_substr($text, 0, $max_units, 'UTF-8'); // a code point is 1 or 2 units
        while (self::units($text) > $max_units) {
            $text = mb_substr($text, 0, mb_strlen($text, 'UTF-8') - 1, 'UTF-8');
        }

        return $text;
    }

    private static function positiveInt($value, $what)
    {
        if (is_int($value) && $value > 0) {
            return $value;
        }
        if (is_string($value) && preg_match('/^[1-9][0-9]{0,18}$/', $value)) {
            return (int) $value;
        }
        throw new \InvalidArgumentException($what.' must be a positive integer, got '.var_export($value, true));
    }
}
