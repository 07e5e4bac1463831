#!/usr/bin/env ruby
# frozen_string_literal: true

# redis-rb as an application uses it, driven by `lifeline lab --client-cmd` (docs/lab.md, "Clients in
# other languages"): one JSON object per line on stdin, one per line on stdout.
#
# Redis.new(host:, port:) with its defaults (its timeouts, its one reconnect attempt), each command on its
# own Thread against that one Redis object (thread-safe: its monitor serializes them on one connection),
# pub/sub on a separate Redis object in a thread whose loop reports an exception as an `error` event and
# subscribes again. Errors are reported as e.class.name and e.message, verbatim.

require 'json'
require 'redis'

$stdout.sync = true
OUT = Mutex.new

def emit(obj)
  line = JSON.generate(obj)
  OUT.synchronize do
    $stdout.write("#{line}\n")
    $stdout.flush
  end
end

def describe(error)
  { 'class' => error.class.name, 'message' => error.message }
end

# A reply as JSON: strings as UTF-8 text (invalid bytes replaced), arrays and hashes kept.
def plain(value)
  case value
  when String then value.dup.force_encoding(Encoding::UTF_8).scrub
  when Array then value.map { |v| plain(v) }
  when Hash then value.to_h { |k, v| [plain(k).to_s, plain(v)] }
  when nil, true, false, Integer, Float then value
  else value.to_s
  end
end

class Probe
  def initialize
    @client = nil
    @options = {}
  end

  def connect(msg)
    raise ArgumentError, 'this probe connects to one host:port; it has no Sentinel or Cluster client' if msg['topology']

    @options = (msg['options'] || {}).transform_keys(&:to_sym)
    @client = Redis.new(host: msg['host'], port: msg['port'], **@options)
    @client.ping # the application's first command: connect() resolves when it answers
    true
  end

  def send_command(msg)
    plain(@client.call(*msg['args']))
  end

  def subscribe(msg)
    channel = msg['channel']
    subscribed = Queue.new
    subscriber = Redis.new(host: @client._client.host, port: @client._client.port, **@options)
    Thread.new { listen(subscriber, channel, subscribed) }
    # The subscribe confirmation: subscribe() resolves once the server has it.
    result = nil
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 10
    while result.nil? && Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
      result = subscribed.empty? ? (sleep(0.01) && nil) : subscribed.pop
    end
    raise result if result.is_a?(Exception)
    raise Redis::TimeoutError, 'no subscribe confirmation within 10 s' if result.nil?

    true
  end

  def listen(subscriber, channel, subscribed)
    confirmed = false
    loop do
      begin
        subscriber.subscribe(channel) do |on|
          on.subscribe do |_channel, _count|
            confirmed = true
            subscribed << true
          end
          on.message { |ch, message| emit({ event: 'message', channel: plain(ch), message: plain(message) }) }
        end
      rescue StandardError => e # what the application's reader loop would catch
        unless confirmed
          subscribed << e
          return
        end
        emit({ event: 'error', role: 'subscriber', error: describe(e) })
        sleep 0.1 # then subscribe again (the next subscribe reconnects)
      end
    end
  end

  def run(msg)
    op = msg['op']
    value = case op
            when 'connect' then connect(msg)
            when 'send' then send_command(msg)
            when 'subscribe' then subscribe(msg)
            else raise ArgumentError, "unknown op #{op.inspect}"
            end
    emit({ id: msg['id'], ok: true, value: value })
  rescue StandardError => e
    emit({ id: msg['id'], ok: false, error: describe(e) })
  end
end

probe = Probe.new
emit({ event: 'ready', library: "redis-rb #{Redis::VERSION}" })
$stdin.each_line do |line|
  next if line.strip.empty?

  msg = JSON.parse(line)
  break if msg['op'] == 'close'

  if msg['op'] == 'connect'
    probe.run(msg) # before any command: they need the client
  else
    Thread.new { probe.run(msg) }
  end
end
# Commands may still hang on a dead socket: leave without waiting for their threads.
$stdout.flush
exit!(0)
