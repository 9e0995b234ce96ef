# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cachestorm_global_optspecs
    string join \n help V/version
end

function __fish_cachestorm_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cachestorm_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cachestorm_using_subcommand
    set -l cmd (__fish_cachestorm_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cachestorm -n "__fish_cachestorm_needs_command" -l help -d 'print help'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -s V -l version -d 'print version'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -f -a "stats" -d 'poll INFO on every node: per-interval ops/s, hit %, misses, expiries, evictions, memory'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -f -a "monitor" -d 'bounded MONITOR capture to a file (redis-cli MONITOR format), from one node or every master'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -f -a "hotkeys" -d 'hottest keys, commands, clients and patterns from MONITOR or a capture file'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -f -a "patterns" -d 'traffic grouped by inferred key pattern (user:*:profile), from MONITOR or a capture file'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -f -a "bigkeys" -d 'biggest keys overall and per type, per-type totals, size percentiles, big collections'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -f -a "keyspace" -d 'memory and TTLs per key pattern, per-minute expiry timeline, expiry cliffs, headroom'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -f -a "detect" -d 'is this a cache storm, which kind, where, why, and what to do now (exit 1 when it is)'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -f -a "warm" -d 'refill a cold cache from a peer, a cluster, a file, a command or HTTP, hottest keys first, rate-limited, never clobbering'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -f -a "completions" -d 'print a shell completion script to stdout'
complete -c cachestorm -n "__fish_cachestorm_needs_command" -f -a "man" -d 'write man pages (cachestorm.1 and one per subcommand) into a folder'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -s u -l url -d 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS, unix:///path[?db=N]' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -s h -l host -d 'server host' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -s p -l port -d 'server port' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -s s -l socket -d 'Unix socket to connect to instead of TCP (one node; no TLS, no cluster)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l user -d 'ACL user name (Redis 6+)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -s a -l pass -d 'password (or set REDISCLI_AUTH, which keeps it out of the process list)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -s n -l db -d 'database number (hotkeys, patterns: count only the MONITOR events in this database)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system roots' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l cert -d 'client certificate (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l key -d 'client private key (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l node -d 'a node to include (repeatable); replaces -h/-p/--url\'s address' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l sentinel -d 'ask this Sentinel for the master (repeatable; the first that answers wins)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l master -d 'master name known to Sentinel' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l sentinel-pass -d 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l connect-timeout -d 'time allowed to open a connection' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l timeout -d 'time allowed for each request' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -s o -l format -d 'report format' -r -f -a "table\t'aligned text for people'
json\t'one JSON document at the end'
ndjson\t'one JSON object per line as results arrive'"
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -s i -l interval -d 'time between samples' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -s c -l count -d 'stop after N intervals (N+1 INFO polls); default: until Ctrl-C' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -s d -l duration -d 'stop after this long' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l tls -d 'connect with TLS'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l insecure -d 'do not verify the server\'s TLS certificate'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l cluster -d 'discover every node (masters and replicas) of the cluster from the given node'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l json -d 'same as -o json'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand stats" -l help -d 'print help'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -s u -l url -d 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS, unix:///path[?db=N]' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -s h -l host -d 'server host' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -s p -l port -d 'server port' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -s s -l socket -d 'Unix socket to connect to instead of TCP (one node; no TLS, no cluster)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l user -d 'ACL user name (Redis 6+)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -s a -l pass -d 'password (or set REDISCLI_AUTH, which keeps it out of the process list)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -s n -l db -d 'database number (hotkeys, patterns: count only the MONITOR events in this database)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system roots' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l cert -d 'client certificate (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l key -d 'client private key (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l node -d 'a node to include (repeatable); replaces -h/-p/--url\'s address' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l sentinel -d 'ask this Sentinel for the master (repeatable; the first that answers wins)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l master -d 'master name known to Sentinel' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l sentinel-pass -d 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l connect-timeout -d 'time allowed to open a connection' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l timeout -d 'time allowed for each request' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -s o -l format -d 'report format' -r -f -a "table\t'aligned text for people'
json\t'one JSON document at the end'
ndjson\t'one JSON object per line as results arrive'"
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -s d -l duration -d 'how long to capture live MONITOR traffic' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l max-server-buffer -d 'stop a live capture when the server\'s output buffer for it passes this size (checked every 100 ms, every 10 ms once it holds data, every 2 ms past half; one burst between checks can pass it)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l max-lines -d 'stop after writing this many lines (over all nodes)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l command -d 'keep only these commands (comma-separated, any case)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l key-pattern -d 'keep only commands touching a key that matches this glob' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -s w -l write -d 'write the capture here instead of stdout (one file per master with several)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l tls -d 'connect with TLS'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l insecure -d 'do not verify the server\'s TLS certificate'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l cluster -d 'discover every node (masters and replicas) of the cluster from the given node'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l json -d 'same as -o json'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand monitor" -l help -d 'print help'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -s u -l url -d 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS, unix:///path[?db=N]' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -s h -l host -d 'server host' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -s p -l port -d 'server port' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -s s -l socket -d 'Unix socket to connect to instead of TCP (one node; no TLS, no cluster)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l user -d 'ACL user name (Redis 6+)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -s a -l pass -d 'password (or set REDISCLI_AUTH, which keeps it out of the process list)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -s n -l db -d 'database number (hotkeys, patterns: count only the MONITOR events in this database)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system roots' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l cert -d 'client certificate (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l key -d 'client private key (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l node -d 'a node to include (repeatable); replaces -h/-p/--url\'s address' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l sentinel -d 'ask this Sentinel for the master (repeatable; the first that answers wins)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l master -d 'master name known to Sentinel' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l sentinel-pass -d 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l connect-timeout -d 'time allowed to open a connection' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l timeout -d 'time allowed for each request' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -s o -l format -d 'report format' -r -f -a "table\t'aligned text for people'
json\t'one JSON document at the end'
ndjson\t'one JSON object per line as results arrive'"
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l input -d 'read a MONITOR capture instead of a live server (\'-\' for stdin; gzip is detected)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -s d -l duration -d 'how long to capture live MONITOR traffic' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l max-server-buffer -d 'stop a live capture when the server\'s output buffer for it passes this size (checked every 100 ms, every 10 ms once it holds data, every 2 ms past half; one burst between checks can pass it)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l max-keys -d 'distinct keys counted exactly; past this, a Space-Saving top-k of this size' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l threads -d 'with --input: threads counting keys (1: the reading thread alone; default: one per core, up to 4)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l separator -d 'characters that separate key segments, for pattern inference' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l rule -d 'extra pattern rule REGEX=REPLACEMENT, applied first (\'*\' in REPLACEMENT is a wildcard)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l method -d 'where hot keys come from: MONITOR (or --input), LFU counters over SCAN, or slot stats' -r -f -a "monitor\t'count MONITOR traffic (live for --duration, or from --input)'
lfu\t'OBJECT FREQ over a throttled SCAN; needs an LFU maxmemory-policy (like redis-cli --hotkeys)'
slot-stats\t'CLUSTER SLOT-STATS (Valkey 8+): hottest slots and the nodes serving them'"
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l scan-rate -d 'with --method lfu: most keys per second the SCAN may visit (all masters together)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l top -d 'how many keys (and commands, clients, patterns) to list' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l threshold -d 'mark a key hot when its share of key accesses is at least this many percent' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l min-rate -d 'also mark a key hot when its average rate is at least this many per second' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l stampede-window -d 'window for the stampede signature' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l stampede-writes -d 'writes to one key within the window that make a stampede' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l stampede-clients -d 'distinct writing clients within the window that make a stampede' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l penetration-reads -d 'reads (and no write) that make a key a penetration candidate' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l expiry-bucket -d 'bucket size of the expiry wave' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l tls -d 'connect with TLS'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l insecure -d 'do not verify the server\'s TLS certificate'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l cluster -d 'discover every node (masters and replicas) of the cluster from the given node'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l json -d 'same as -o json'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l full-keys -d 'show keys, patterns and client names whole in tables (default: cut to 60 characters, marked \'…+N\'; JSON is always whole)'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l timeline -d 'include each listed key\'s per-second counts in JSON'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand hotkeys" -l help -d 'print help'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -s u -l url -d 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS, unix:///path[?db=N]' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -s h -l host -d 'server host' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -s p -l port -d 'server port' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -s s -l socket -d 'Unix socket to connect to instead of TCP (one node; no TLS, no cluster)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l user -d 'ACL user name (Redis 6+)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -s a -l pass -d 'password (or set REDISCLI_AUTH, which keeps it out of the process list)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -s n -l db -d 'database number (hotkeys, patterns: count only the MONITOR events in this database)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system roots' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l cert -d 'client certificate (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l key -d 'client private key (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l node -d 'a node to include (repeatable); replaces -h/-p/--url\'s address' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l sentinel -d 'ask this Sentinel for the master (repeatable; the first that answers wins)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l master -d 'master name known to Sentinel' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l sentinel-pass -d 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l connect-timeout -d 'time allowed to open a connection' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l timeout -d 'time allowed for each request' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -s o -l format -d 'report format' -r -f -a "table\t'aligned text for people'
json\t'one JSON document at the end'
ndjson\t'one JSON object per line as results arrive'"
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l input -d 'read a MONITOR capture instead of a live server (\'-\' for stdin; gzip is detected)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -s d -l duration -d 'how long to capture live MONITOR traffic' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l max-server-buffer -d 'stop a live capture when the server\'s output buffer for it passes this size (checked every 100 ms, every 10 ms once it holds data, every 2 ms past half; one burst between checks can pass it)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l max-keys -d 'distinct keys counted exactly; past this, a Space-Saving top-k of this size' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l threads -d 'with --input: threads counting keys (1: the reading thread alone; default: one per core, up to 4)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l separator -d 'characters that separate key segments, for pattern inference' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l rule -d 'extra pattern rule REGEX=REPLACEMENT, applied first (\'*\' in REPLACEMENT is a wildcard)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l top -d 'how many patterns to list' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l count -d 'keys SCAN asks for per call; they are looked at in 2 pipelined round trips, 2 in flight at once (the batch another client may wait behind)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l match -d 'only keys matching this glob (SCAN MATCH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l type -d 'only keys of this type (SCAN TYPE): string, list, set, zset, hash, stream or a module type' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l memory-samples -d 'MEMORY USAGE SAMPLES for collections (0: every element, exact but slow on big keys)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l rate -d 'most keys per second, over all nodes together, in small batches spaced evenly' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l max-latency -d 'back off while a node\'s PING latency (side probe) is above this (2ms: the p95 at which cache runbooks warn)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l sample -d 'stop after N keys per node and extrapolate the totals to DBSIZE' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l cursor -d 'resume a one-node scan from this cursor (an interrupted scan prints it)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l tls -d 'connect with TLS'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l insecure -d 'do not verify the server\'s TLS certificate'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l cluster -d 'discover every node (masters and replicas) of the cluster from the given node'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l json -d 'same as -o json'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l full-keys -d 'show keys, patterns and client names whole in tables (default: cut to 60 characters, marked \'…+N\'; JSON is always whole)'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l scan -d 'group the keyspace (SCAN) instead of traffic: keys and memory per pattern'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l no-lengths -d 'skip the lengths (STRLEN, LLEN, ...): on servers without CLIENT NO-TOUCH (before Redis/Valkey 7.2) they touch each key\'s LRU/LFU; lengths are then null and there are no big-collection findings'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l encoding -d 'also read each key\'s OBJECT ENCODING'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l replicas -d 'scan one replica of each master instead of the masters (sends READONLY in a cluster)'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand patterns" -l help -d 'print help'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -s u -l url -d 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS, unix:///path[?db=N]' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -s h -l host -d 'server host' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -s p -l port -d 'server port' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -s s -l socket -d 'Unix socket to connect to instead of TCP (one node; no TLS, no cluster)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l user -d 'ACL user name (Redis 6+)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -s a -l pass -d 'password (or set REDISCLI_AUTH, which keeps it out of the process list)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -s n -l db -d 'database number (hotkeys, patterns: count only the MONITOR events in this database)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system roots' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l cert -d 'client certificate (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l key -d 'client private key (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l node -d 'a node to include (repeatable); replaces -h/-p/--url\'s address' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l sentinel -d 'ask this Sentinel for the master (repeatable; the first that answers wins)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l master -d 'master name known to Sentinel' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l sentinel-pass -d 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l connect-timeout -d 'time allowed to open a connection' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l timeout -d 'time allowed for each request' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -s o -l format -d 'report format' -r -f -a "table\t'aligned text for people'
json\t'one JSON document at the end'
ndjson\t'one JSON object per line as results arrive'"
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l count -d 'keys SCAN asks for per call; they are looked at in 2 pipelined round trips, 2 in flight at once (the batch another client may wait behind)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l match -d 'only keys matching this glob (SCAN MATCH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l type -d 'only keys of this type (SCAN TYPE): string, list, set, zset, hash, stream or a module type' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l memory-samples -d 'MEMORY USAGE SAMPLES for collections (0: every element, exact but slow on big keys)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l rate -d 'most keys per second, over all nodes together, in small batches spaced evenly' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l max-latency -d 'back off while a node\'s PING latency (side probe) is above this (2ms: the p95 at which cache runbooks warn)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l sample -d 'stop after N keys per node and extrapolate the totals to DBSIZE' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l cursor -d 'resume a one-node scan from this cursor (an interrupted scan prints it)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l top -d 'how many keys to list, overall and per type' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l min-bytes -d 'list only keys at least this big (MEMORY USAGE)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l tls -d 'connect with TLS'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l insecure -d 'do not verify the server\'s TLS certificate'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l cluster -d 'discover every node (masters and replicas) of the cluster from the given node'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l json -d 'same as -o json'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l full-keys -d 'show keys, patterns and client names whole in tables (default: cut to 60 characters, marked \'…+N\'; JSON is always whole)'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l no-lengths -d 'skip the lengths (STRLEN, LLEN, ...): on servers without CLIENT NO-TOUCH (before Redis/Valkey 7.2) they touch each key\'s LRU/LFU; lengths are then null and there are no big-collection findings'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l encoding -d 'also read each key\'s OBJECT ENCODING'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l replicas -d 'scan one replica of each master instead of the masters (sends READONLY in a cluster)'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand bigkeys" -l help -d 'print help'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -s u -l url -d 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS, unix:///path[?db=N]' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -s h -l host -d 'server host' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -s p -l port -d 'server port' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -s s -l socket -d 'Unix socket to connect to instead of TCP (one node; no TLS, no cluster)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l user -d 'ACL user name (Redis 6+)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -s a -l pass -d 'password (or set REDISCLI_AUTH, which keeps it out of the process list)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -s n -l db -d 'database number (hotkeys, patterns: count only the MONITOR events in this database)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system roots' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l cert -d 'client certificate (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l key -d 'client private key (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l node -d 'a node to include (repeatable); replaces -h/-p/--url\'s address' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l sentinel -d 'ask this Sentinel for the master (repeatable; the first that answers wins)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l master -d 'master name known to Sentinel' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l sentinel-pass -d 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l connect-timeout -d 'time allowed to open a connection' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l timeout -d 'time allowed for each request' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -s o -l format -d 'report format' -r -f -a "table\t'aligned text for people'
json\t'one JSON document at the end'
ndjson\t'one JSON object per line as results arrive'"
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l count -d 'keys SCAN asks for per call; they are looked at in 2 pipelined round trips, 2 in flight at once (the batch another client may wait behind)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l match -d 'only keys matching this glob (SCAN MATCH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l type -d 'only keys of this type (SCAN TYPE): string, list, set, zset, hash, stream or a module type' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l memory-samples -d 'MEMORY USAGE SAMPLES for collections (0: every element, exact but slow on big keys)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l rate -d 'most keys per second, over all nodes together, in small batches spaced evenly' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l max-latency -d 'back off while a node\'s PING latency (side probe) is above this (2ms: the p95 at which cache runbooks warn)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l sample -d 'stop after N keys per node and extrapolate the totals to DBSIZE' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l cursor -d 'resume a one-node scan from this cursor (an interrupted scan prints it)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l separator -d 'characters that separate key segments, for pattern inference' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l rule -d 'extra pattern rule REGEX=REPLACEMENT, applied first (\'*\' in REPLACEMENT is a wildcard)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l top -d 'how many patterns to list' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l horizon -d 'how far ahead the expiry timeline looks (per-minute buckets)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l cliff -d 'flag a minute holding at least this share of the keys (or bytes) with a TTL' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l cliff-min-keys -d 'a cliff also needs at least this many keys (a handful of keys is no avalanche)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l tls -d 'connect with TLS'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l insecure -d 'do not verify the server\'s TLS certificate'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l cluster -d 'discover every node (masters and replicas) of the cluster from the given node'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l json -d 'same as -o json'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l full-keys -d 'show keys, patterns and client names whole in tables (default: cut to 60 characters, marked \'…+N\'; JSON is always whole)'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l no-lengths -d 'skip the lengths (STRLEN, LLEN, ...): on servers without CLIENT NO-TOUCH (before Redis/Valkey 7.2) they touch each key\'s LRU/LFU; lengths are then null and there are no big-collection findings'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l encoding -d 'also read each key\'s OBJECT ENCODING'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l replicas -d 'scan one replica of each master instead of the masters (sends READONLY in a cluster)'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand keyspace" -l help -d 'print help'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -s u -l url -d 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS, unix:///path[?db=N]' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -s h -l host -d 'server host' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -s p -l port -d 'server port' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -s s -l socket -d 'Unix socket to connect to instead of TCP (one node; no TLS, no cluster)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l user -d 'ACL user name (Redis 6+)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -s a -l pass -d 'password (or set REDISCLI_AUTH, which keeps it out of the process list)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -s n -l db -d 'database number (hotkeys, patterns: count only the MONITOR events in this database)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system roots' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l cert -d 'client certificate (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l key -d 'client private key (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l node -d 'a node to include (repeatable); replaces -h/-p/--url\'s address' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l sentinel -d 'ask this Sentinel for the master (repeatable; the first that answers wins)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l master -d 'master name known to Sentinel' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l sentinel-pass -d 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l connect-timeout -d 'time allowed to open a connection' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l timeout -d 'time allowed for each request' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -s o -l format -d 'report format' -r -f -a "table\t'aligned text for people'
json\t'one JSON document at the end'
ndjson\t'one JSON object per line as results arrive'"
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -s i -l interval -d 'time between samples' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -s d -l duration -d 'how long to sample [default: 10s; with --watch, until Ctrl-C]' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l window -d 'how much recent history each assessment weighs (at least four sampling intervals)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l record -d 'write every raw sample to FILE as NDJSON (replayable with --replay)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l replay -d 'classify a recording offline instead of sampling a server (repeatable)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l capture -d 'add a MONITOR capture (redis-cli format) as NODE\'s MONITOR evidence on replay (repeatable)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l monitor -d 'after the INFO window, take a MONITOR sample this long on every master (hot keys, stampedes, penetration candidates checked with EXISTS); MONITOR costs the server, so it is off by default' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l ttl-sample -d 'after the INFO window, read the TTLs of N keys per master with a throttled SCAN (no value read): the expiry timeline ahead and its cliffs' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l baseline -d 'compare with a baseline saved in calm times by --save-baseline' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l save-baseline -d 'save this run\'s per-node rates and gauges (live, or of a recording\'s last five minutes) as a baseline' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l threshold -d 'override one threshold (see --thresholds for names); repeatable' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l tls -d 'connect with TLS'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l insecure -d 'do not verify the server\'s TLS certificate'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l cluster -d 'discover every node (masters and replicas) of the cluster from the given node'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l json -d 'same as -o json'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l watch -d 'keep assessing (live: keep sampling; replay: walk the recording) and print an event whenever the verdict, the primary class or the affected nodes change'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l deep -d 'take the deeper evidence only where INFO makes it useful, and say what was taken and why: a MONITOR sample (--monitor, default 5s) on the masters where INFO suggests a hot key, a stampede or penetration; a TTL sample (--ttl-sample, default 10000 keys) where it suggests or forecasts mass expiration'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l thresholds -d 'print the table of thresholds (defaults, or as overridden) and exit'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand detect" -l help -d 'print help'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -s u -l url -d 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS, unix:///path[?db=N]' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -s h -l host -d 'server host' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -s p -l port -d 'server port' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -s s -l socket -d 'Unix socket to connect to instead of TCP (one node; no TLS, no cluster)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l user -d 'ACL user name (Redis 6+)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -s a -l pass -d 'password (or set REDISCLI_AUTH, which keeps it out of the process list)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -s n -l db -d 'database number (hotkeys, patterns: count only the MONITOR events in this database)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system roots' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l cert -d 'client certificate (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l key -d 'client private key (PEM) for mutual TLS' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l node -d 'a node to include (repeatable); replaces -h/-p/--url\'s address' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l sentinel -d 'ask this Sentinel for the master (repeatable; the first that answers wins)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l master -d 'master name known to Sentinel' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l sentinel-pass -d 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l connect-timeout -d 'time allowed to open a connection' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l timeout -d 'time allowed for each request' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -s o -l format -d 'report format' -r -f -a "table\t'aligned text for people'
json\t'one JSON document at the end'
ndjson\t'one JSON object per line as results arrive'"
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l from-log -d 'keys from an access or application log (`-` for stdin, gzip read as such), one per line that --key-regex matches; repeatable' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l key-regex -d 'the key in a log line: the regex\'s group named `key`, else its first group' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l key-template -d 'build the key from the regex\'s groups: `user:{1}:profile`, `{key}`' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l from-monitor -d 'keys from a MONITOR capture (redis-cli format, what `cachestorm monitor` writes): the keys read; repeatable' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l from-report -d 'keys from `cachestorm hotkeys -o json`, by their counts; repeatable' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l keys-file -d 'one key per line, as cachestorm prints keys (`\\xHH` escapes); repeatable' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l slots -d 'with --from-source-scan: only keys of these cluster slots (`A-B` or `A`), e.g. the slots of a node just added' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l top -d 'warm only the N hottest keys' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l match -d 'warm only keys matching this glob (Redis MATCH rules)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l source -d 'where values come from: a peer, replica or backup server (DUMP + PTTL, RESTORE on the target)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l source-file -d 'where values come from: a JSONL file, {"key", "value" (or "value_b64"), "ttl_ms"} a line; written with SET NX' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l source-cmd -d 'where values come from: a command per key, run by `sh -c` with the key as "$1" (`{key}` in the template stands for it; the key is never put into the shell text); its stdout, byte for byte, is the value (no output: missing; a non-zero exit or --timeout: failed); written with SET NX' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l source-http -d 'where values come from: an HTTP(S) GET per key, `{key}` percent-encoded into the URL; a 2xx body is the value, 404/410 missing, 5xx/429/timeouts retried (--retries) then failed; written with SET NX' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l retries -d 'with --source-http: retries of a 5xx, 429 or timed-out GET, 100 ms apart and doubling (up to 2 s)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l concurrency -d 'with --source-cmd/--source-http: value fetches in flight at once (what protects the database behind them)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l ttl -d 'with --source-file, --source-cmd or --source-http: the TTL written (a file\'s line may give its own; default: none)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l min-ttl -d 'skip keys whose remaining TTL in the --source server is under this (they would expire at once)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l ttl-jitter -d 'spread each written key\'s TTL by up to PCT percent up or down, so keys warmed together do not expire together (keys without a TTL keep none) [default: 10 with --source-file, --source-cmd and --source-http, 0 with --source]' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l rate -d 'most keys per second written' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l max-bytes-per-sec -d 'most value bytes per second written' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l max-latency -d 'back off while the target\'s PING latency (side probe) is above this: a pause that doubles precedes each batch, and batches halve' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l pipeline -d 'keys per round trip (fetches from the source and writes to the target alike)' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l max-time -d 'stop cleanly at this deadline, keeping what was written' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l max-memory-pct -d 'stop when the target\'s used memory passes this share of maxmemory, or when it starts evicting' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l measure -d 'sample the target\'s hit rate and misses/s for this long before the warm and after it, and report both' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l verify -d 'after the warm, read N written keys back from the target and the source and compare them by type and value' -r
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l checkpoint -d 'save progress to FILE as the run goes (atomically), so an interrupted run can go on with --resume' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l tls -d 'connect with TLS'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l insecure -d 'do not verify the server\'s TLS certificate'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l cluster -d 'discover every node (masters and replicas) of the cluster from the given node'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l json -d 'same as -o json'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l from-source-scan -d 'the keys are every key of the --source server (or cluster) matching --match, as SCAN returns them: copy from a peer, streamed, no key list needed'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l source-cluster -d 'the --source URL is a node of a cluster: read each key from the master of its slot'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l overwrite -d 'replace keys that already exist on the target (default: leave them alone)'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l resume -d 'go on from --checkpoint FILE, after the keys a run of the same plan already handled'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l force -d 'warm even when the plan\'s estimated bytes exceed the target\'s headroom under --max-memory-pct'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l dry-run -d 'print the plan and write nothing'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand warm" -l help -d 'print help'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand completions" -l help -d 'print help'
complete -c cachestorm -n "__fish_cachestorm_using_subcommand man" -l out-dir -d 'folder to write the pages into (created if missing)' -r -F
complete -c cachestorm -n "__fish_cachestorm_using_subcommand man" -l help -d 'print help'
