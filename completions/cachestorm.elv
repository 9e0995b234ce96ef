
use builtin;
use str;

set edit:completion:arg-completer[cachestorm] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'cachestorm'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'cachestorm'= {
            cand --help 'print help'
            cand -V 'print version'
            cand --version 'print version'
            cand stats 'poll INFO on every node: per-interval ops/s, hit %, misses, expiries, evictions, memory'
            cand hotkeys 'hottest keys, commands, clients and patterns from MONITOR or a capture file'
            cand patterns 'traffic grouped by inferred key pattern (user:*:profile), from MONITOR or a capture file'
            cand completions 'print a shell completion script to stdout'
            cand man 'write man pages (cachestorm.1 and one per subcommand) into a folder'
        }
        &'cachestorm;stats'= {
            cand -u 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS'
            cand --url 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS'
            cand -h 'server host'
            cand --host 'server host'
            cand -p 'server port'
            cand --port 'server port'
            cand --user 'ACL user name (Redis 6+)'
            cand -a 'password (or set REDISCLI_AUTH, which keeps it out of the process list)'
            cand --pass 'password (or set REDISCLI_AUTH, which keeps it out of the process list)'
            cand -n 'database number'
            cand --db 'database number'
            cand --cacert 'CA certificate (PEM) to verify the server with, instead of the system roots'
            cand --cert 'client certificate (PEM) for mutual TLS'
            cand --key 'client private key (PEM) for mutual TLS'
            cand --node 'a node to include (repeatable); replaces -h/-p/--url''s address'
            cand --sentinel 'ask this Sentinel for the master (repeatable; the first that answers wins)'
            cand --master 'master name known to Sentinel'
            cand --sentinel-pass 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)'
            cand --connect-timeout 'time allowed to open a connection'
            cand --timeout 'time allowed for each request'
            cand -o 'report format'
            cand --format 'report format'
            cand -i 'time between samples'
            cand --interval 'time between samples'
            cand -c 'stop after N intervals (N+1 INFO polls); default: until Ctrl-C'
            cand --count 'stop after N intervals (N+1 INFO polls); default: until Ctrl-C'
            cand -d 'stop after this long'
            cand --duration 'stop after this long'
            cand --tls 'connect with TLS'
            cand --insecure 'do not verify the server''s TLS certificate'
            cand --cluster 'discover every node (masters and replicas) of the cluster from the given node'
            cand --json 'same as -o json'
            cand --help 'print help'
        }
        &'cachestorm;hotkeys'= {
            cand -u 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS'
            cand --url 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS'
            cand -h 'server host'
            cand --host 'server host'
            cand -p 'server port'
            cand --port 'server port'
            cand --user 'ACL user name (Redis 6+)'
            cand -a 'password (or set REDISCLI_AUTH, which keeps it out of the process list)'
            cand --pass 'password (or set REDISCLI_AUTH, which keeps it out of the process list)'
            cand -n 'database number'
            cand --db 'database number'
            cand --cacert 'CA certificate (PEM) to verify the server with, instead of the system roots'
            cand --cert 'client certificate (PEM) for mutual TLS'
            cand --key 'client private key (PEM) for mutual TLS'
            cand --node 'a node to include (repeatable); replaces -h/-p/--url''s address'
            cand --sentinel 'ask this Sentinel for the master (repeatable; the first that answers wins)'
            cand --master 'master name known to Sentinel'
            cand --sentinel-pass 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)'
            cand --connect-timeout 'time allowed to open a connection'
            cand --timeout 'time allowed for each request'
            cand -o 'report format'
            cand --format 'report format'
            cand --input 'read a MONITOR capture instead of a live server (''-'' for stdin; gzip is detected)'
            cand -d 'how long to capture live MONITOR traffic'
            cand --duration 'how long to capture live MONITOR traffic'
            cand --max-server-buffer 'stop a live capture when the server''s output buffer for it passes this size'
            cand --max-keys 'distinct keys counted exactly; past this, a Space-Saving top-k of this size'
            cand --separator 'characters that separate key segments, for pattern inference'
            cand --rule 'extra pattern rule REGEX=REPLACEMENT, applied first (''*'' in REPLACEMENT is a wildcard)'
            cand --top 'how many keys (and commands, clients, patterns) to list'
            cand --threshold 'mark a key hot when its share of key accesses is at least this many percent'
            cand --min-rate 'also mark a key hot when its average rate is at least this many per second'
            cand --stampede-window 'window for the stampede signature'
            cand --stampede-writes 'writes to one key within the window that make a stampede'
            cand --stampede-clients 'distinct writing clients within the window that make a stampede'
            cand --penetration-reads 'reads (and no write) that make a key a penetration candidate'
            cand --expiry-bucket 'bucket size of the expiry wave'
            cand --tls 'connect with TLS'
            cand --insecure 'do not verify the server''s TLS certificate'
            cand --cluster 'discover every node (masters and replicas) of the cluster from the given node'
            cand --json 'same as -o json'
            cand --timeline 'include each listed key''s per-second counts in JSON'
            cand --help 'print help'
        }
        &'cachestorm;patterns'= {
            cand -u 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS'
            cand --url 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS'
            cand -h 'server host'
            cand --host 'server host'
            cand -p 'server port'
            cand --port 'server port'
            cand --user 'ACL user name (Redis 6+)'
            cand -a 'password (or set REDISCLI_AUTH, which keeps it out of the process list)'
            cand --pass 'password (or set REDISCLI_AUTH, which keeps it out of the process list)'
            cand -n 'database number'
            cand --db 'database number'
            cand --cacert 'CA certificate (PEM) to verify the server with, instead of the system roots'
            cand --cert 'client certificate (PEM) for mutual TLS'
            cand --key 'client private key (PEM) for mutual TLS'
            cand --node 'a node to include (repeatable); replaces -h/-p/--url''s address'
            cand --sentinel 'ask this Sentinel for the master (repeatable; the first that answers wins)'
            cand --master 'master name known to Sentinel'
            cand --sentinel-pass 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)'
            cand --connect-timeout 'time allowed to open a connection'
            cand --timeout 'time allowed for each request'
            cand -o 'report format'
            cand --format 'report format'
            cand --input 'read a MONITOR capture instead of a live server (''-'' for stdin; gzip is detected)'
            cand -d 'how long to capture live MONITOR traffic'
            cand --duration 'how long to capture live MONITOR traffic'
            cand --max-server-buffer 'stop a live capture when the server''s output buffer for it passes this size'
            cand --max-keys 'distinct keys counted exactly; past this, a Space-Saving top-k of this size'
            cand --separator 'characters that separate key segments, for pattern inference'
            cand --rule 'extra pattern rule REGEX=REPLACEMENT, applied first (''*'' in REPLACEMENT is a wildcard)'
            cand --top 'how many patterns to list'
            cand --tls 'connect with TLS'
            cand --insecure 'do not verify the server''s TLS certificate'
            cand --cluster 'discover every node (masters and replicas) of the cluster from the given node'
            cand --json 'same as -o json'
            cand --help 'print help'
        }
        &'cachestorm;completions'= {
            cand --help 'print help'
        }
        &'cachestorm;man'= {
            cand --out-dir 'folder to write the pages into (created if missing)'
            cand --help 'print help'
        }
    ]
    $completions[$command]
}
