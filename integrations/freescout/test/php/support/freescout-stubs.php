<?php

/*
 * The few pieces of FreeScout 1.8.235 (Laravel 5.5) that the module's controller, settings and
 * validation rule touch, reduced to their behaviour, so PHPUnit runs them without a FreeScout:
 * the helpers config(), __(), auth(), response(), url(); Laravel's Controller base class and
 * validation Rule contract; App\User and App\Mailbox with FreeScout's roles, statuses and
 * mailboxesIdsCanView() (app/User.php: an admin sees every mailbox, a user the mailboxes they
 * were added to). Tests set the state through FreeScoutFake.
 */

namespace Illuminate\Routing {
    abstract class Controller
    {
    }
}

namespace Illuminate\Contracts\Validation {
    interface Rule
    {
        public function passes($attribute, $value);

        public function message();
    }
}

namespace App {
    /** FreeScout's mailboxes table: every mailbox id there is. */
    class Mailbox
    {
        /** @var int[] */
        public static $ids = [];

        /** Mailbox::pluck('id') (a Collection; only toArray() is used). */
        public static function pluck($column)
        {
            if ($column !== 'id') {
                throw new \LogicException('the stub only plucks id');
            }

            return new \FreeScoutFakeCollection(self::$ids);
        }
    }

    class User
    {
        const ROLE_USER = 1;
        const ROLE_ADMIN = 2;
        const STATUS_ACTIVE = 1;
        const STATUS_DISABLED = 2;
        const STATUS_DELETED = 3;

        public $id;
        public $first_name = '';
        public $last_name = '';
        public $role = self::ROLE_USER;
        public $status = self::STATUS_ACTIVE;
        public $photo_url = null;
        /** The user's language (Manage » Users » Profile); null: the installation's. */
        public $locale = null;
        /** @var int[] the mailbox_user rows of this user */
        public $mailbox_ids = [];

        public function __construct(array $attributes = [])
        {
            foreach ($attributes as $name => $value) {
                $this->$name = $value;
            }
        }

        public function isAdmin()
        {
            return $this->role == self::ROLE_ADMIN;
        }

        public function isActive()
        {
            return $this->status == self::STATUS_ACTIVE;
        }

        public function isDisabled()
        {
            return $this->status == self::STATUS_DISABLED;
        }

        public function isDeleted()
        {
            return $this->status == self::STATUS_DELETED;
        }

        public function getFullName()
        {
            return $this->first_name.' '.$this->last_name;
        }

        /** As FreeScout: an admin sees every mailbox, anybody else those they were added to. */
        public function mailboxesIdsCanView()
        {
            if ($this->isAdmin()) {
                return Mailbox::pluck('id')->toArray();
            }

            return array_values(array_intersect($this->mailbox_ids, Mailbox::$ids));
        }

        /** Storage::url('users/<photo>'), relative as with the default public disk. */
        public function getPhotoUrl($default_if_empty = true)
        {
            if (!empty($this->photo_url)) {
                return '/storage/users/'.$this->photo_url;
            }

            return $default_if_empty ? '/img/default-avatar.png' : '';
        }

        /** FreeScout's deleteUser(): detached from every mailbox, status deleted. */
        public function markDeleted()
        {
            $this->mailbox_ids = [];
            $this->status = self::STATUS_DELETED;
        }
    }
}

namespace {
    class FreeScoutFakeCollection
    {
        private $items;

        public function __construct(array $items)
        {
            $this->items = $items;
        }

        public function toArray()
        {
            return $this->items;
        }
    }

    /** A JSON response as Laravel's response()->json() builds it (status, data, headers). */
    class FreeScoutFakeResponse
    {
        public $data;
        public $status;
        public $headers = [];

        public function __construct($data, $status)
        {
            $this->data = $data;
            $this->status = $status;
        }

        public function header($name, $value)
        {
            $this->headers[$name] = $value;

            return $this;
        }
    }

    /** The state the helpers below read: configuration and the signed-in user. */
    final class FreeScoutFake
    {
        /** @var array<string, mixed> */
        public static $config = [];
        /** @var \App\User|null */
        public static $user = null;

        public static function reset(array $config = [])
        {
            self::$config = $config;
            self::$user = null;
            \App\Mailbox::$ids = [];
        }
    }

    function config($key, $default = null)
    {
        return array_key_exists($key, FreeScoutFake::$config) ? FreeScoutFake::$config[$key] : $default;
    }

    function __($text, array $replace = [])
    {
        foreach ($replace as $name => $value) {
            $text = str_replace(':'.$name, (string) $value, $text);
        }

        return $text;
    }

    function auth()
    {
        return new class() {
            public function user()
            {
                return FreeScoutFake::$user;
            }

            public function check()
            {
                return FreeScoutFake::$user !== null;
            }
        };
    }

    function response()
    {
        return new class() {
            public function json($data, $status = 200)
            {
                return new FreeScoutFakeResponse($data, $status);
            }
        };
    }

    function url($path)
    {
        return rtrim((string) config('app.url', 'http://localhost'), '/').'/'.ltrim($path, '/');
    }
}
