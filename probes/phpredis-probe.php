<?php
// phpredis as an application uses it, driven by `lifeline lab --client-cmd` (docs/lab.md, "Clients in
// other languages"): one JSON object per line on stdin, one per line on stdout.
//
// `new Redis()` and `connect($host, $port)` with phpredis's defaults: connect timeout 0 and read_timeout 0,
// which leave PHP's default_socket_timeout (60 s in Debian's php.ini) on the socket for the connect and
// for every read; retry_interval 0 and OPT_MAX_RETRIES 10: before writing a command (and before reading
// its reply) phpredis checks the socket and, when the server has closed it, reconnects up to 10 times at
// once, outside MULTI/WATCH; a command whose reply never came is not sent again.
//
// PHP is single-threaded and so is this probe: it serves commands one after another on the one
// connection, as a PHP request does, so a command that hangs holds up the ones behind it. subscribe()
// blocks in a callback loop, so the subscriber is a forked child process with its own Redis object, as a
// PHP worker would run it; its loop reports an exception as an `error` event and subscribes again.
// Errors are reported as the exception's class and getMessage(), verbatim. A server error reply that
// phpredis returns as false (it throws only for some, e.g. READONLY) is reported as the app reads it:
// class `Redis::getLastError()`, the error text as message.

declare(strict_types=1);

ini_set('display_errors', 'stderr'); // a PHP warning on stdout would break the protocol

if (!class_exists('Redis')) {
    fwrite(STDERR, "phpredis-probe: the redis extension is not loaded (Debian: apt-get install -y php-redis)\n");
    exit(2);
}

/**
 * Parent and subscriber child share stdout: an flock keeps their lines whole. It is taken on this script
 * file (no temp file to leave behind when the lab kills the group); each process opens its own handle
 * (the child after fork): an flock belongs to the open file, so an inherited handle would not exclude.
 */
final class Out
{
    private static $lock = null;

    public static function open(): void
    {
        self::$lock = fopen(__FILE__, 'r');
    }

    public static function emit(array $obj): void
    {
        $line = json_encode($obj, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE) . "\n";
        flock(self::$lock, LOCK_EX);
        for ($off = 0; $off < strlen($line);) {
            $n = fwrite(STDOUT, substr($line, $off));
            if ($n === false || $n === 0) {
                break; // the lab has gone
            }
            $off += $n;
        }
        fflush(STDOUT);
        flock(self::$lock, LOCK_UN);
    }
}

function describe(Throwable $e): array
{
    return ['class' => get_class($e), 'message' => $e->getMessage()];
}

/** A reply as JSON: phpredis returns false for a nil reply; strings are bytes (invalid UTF-8 replaced). */
function plain($value)
{
    if ($value === false) {
        return null;
    }
    if (is_array($value)) {
        return array_map('plain', $value);
    }
    return $value;
}

final class ReplyError extends Exception
{
}

final class Probe
{
    private ?Redis $redis = null;
    private string $host = '';
    private int $port = 0;
    private array $options = [];
    private int $child = 0;

    public function connect(array $msg)
    {
        if (!empty($msg['topology'])) {
            throw new InvalidArgumentException('this probe connects to one host:port; it has no Sentinel or Cluster client');
        }
        $this->host = (string) $msg['host'];
        $this->port = (int) $msg['port'];
        $this->options = (array) ($msg['options'] ?? []);
        $this->redis = $this->client();
        $this->redis->ping(); // the application's first command: connect() resolves when it answers
        return true;
    }

    /** connect()'s optional arguments, from --options: timeout, retry_interval, read_timeout. */
    private function client(): Redis
    {
        $unknown = array_diff(array_keys($this->options), ['timeout', 'retry_interval', 'read_timeout']);
        if ($unknown) {
            throw new InvalidArgumentException('unknown options ' . implode(', ', $unknown) . ' (timeout, retry_interval, read_timeout)');
        }
        $redis = new Redis();
        $redis->connect(
            $this->host,
            $this->port,
            (float) ($this->options['timeout'] ?? 0),
            null,
            (int) ($this->options['retry_interval'] ?? 0),
            (float) ($this->options['read_timeout'] ?? 0),
        );
        return $redis;
    }

    public function send(array $msg)
    {
        if ($this->redis === null) {
            throw new LogicException('send before connect');
        }
        $this->redis->clearLastError();
        $value = $this->redis->rawCommand(...array_map('strval', $msg['args']));
        if ($value === false && $this->redis->getLastError() !== null) {
            throw new ReplyError($this->redis->getLastError());
        }
        return plain($value);
    }

    public function subscribe(array $msg)
    {
        $channel = (string) $msg['channel'];
        $pid = pcntl_fork();
        if ($pid < 0) {
            throw new RuntimeException('pcntl_fork failed');
        }
        if ($pid === 0) {
            $this->listen($channel); // never returns
        }
        $this->child = $pid;
        // The subscribe confirmation happens in the child: the app asks the server (bounded, 10 s).
        $deadline = microtime(true) + 10;
        while (microtime(true) < $deadline) {
            $numsub = $this->redis->pubsub('numsub', [$channel]);
            if (($numsub[$channel] ?? 0) > 0) {
                return true;
            }
            if (pcntl_waitpid($pid, $status, WNOHANG) === $pid) {
                throw new RuntimeException('the subscriber process exited');
            }
            usleep(10000);
        }
        throw new RuntimeException('no subscriber on the server within 10 s');
    }

    private function listen(string $channel): void
    {
        Out::open();
        while (true) {
            try {
                $sub = $this->client();
                $sub->subscribe([$channel], function ($redis, $chan, $message) {
                    Out::emit(['event' => 'message', 'channel' => $chan, 'message' => $message]);
                });
                // subscribe() returned without an exception: the connection ended quietly.
                Out::emit(['event' => 'close', 'role' => 'subscriber', 'message' => 'subscribe() returned']);
            } catch (Throwable $e) { // what the worker's loop would catch
                Out::emit(['event' => 'error', 'role' => 'subscriber', 'error' => describe($e)]);
            }
            usleep(100000); // then subscribe again on a new connection
        }
    }

    public function run(array $msg): void
    {
        $id = $msg['id'] ?? null;
        try {
            switch ($msg['op'] ?? null) {
                case 'connect':
                    $value = $this->connect($msg);
                    break;
                case 'send':
                    $value = $this->send($msg);
                    break;
                case 'subscribe':
                    $value = $this->subscribe($msg);
                    break;
                default:
                    throw new InvalidArgumentException('unknown op ' . json_encode($msg['op'] ?? null));
            }
            Out::emit(['id' => $id, 'ok' => true, 'value' => $value]);
        } catch (ReplyError $e) {
            Out::emit(['id' => $id, 'ok' => false, 'error' => ['class' => 'Redis::getLastError()', 'message' => $e->getMessage()]]);
        } catch (Throwable $e) {
            Out::emit(['id' => $id, 'ok' => false, 'error' => describe($e)]);
        }
    }

    /** Leaves at once, taking the subscriber child with it. */
    public function leave(int $code): void
    {
        if ($this->child > 0) {
            posix_kill($this->child, SIGKILL);
        }
        exit($code);
    }
}

Out::open();
$probe = new Probe();
Out::emit(['event' => 'ready', 'library' => 'phpredis ' . phpversion('redis') . ' (PHP ' . PHP_VERSION . ')']);
while (($line = fgets(STDIN)) !== false) {
    if (trim($line) === '') {
        continue;
    }
    $msg = json_decode($line, true);
    if (!is_array($msg)) {
        fwrite(STDERR, 'phpredis-probe: not a JSON object: ' . substr(rtrim($line), 0, 80) . "\n");
        $probe->leave(2);
    }
    if (($msg['op'] ?? null) === 'close') {
        break;
    }
    $probe->run($msg);
}
$probe->leave(0);
