
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'cachestorm' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'cachestorm'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'cachestorm' {
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'print version')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'poll INFO on every node: per-interval ops/s, hit %, misses, expiries, evictions, memory')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'bounded MONITOR capture to a file (redis-cli MONITOR format), from one node or every master')
            [CompletionResult]::new('hotkeys', 'hotkeys', [CompletionResultType]::ParameterValue, 'hottest keys, commands, clients and patterns from MONITOR or a capture file')
            [CompletionResult]::new('patterns', 'patterns', [CompletionResultType]::ParameterValue, 'traffic grouped by inferred key pattern (user:*:profile), from MONITOR or a capture file')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'print a shell completion script to stdout')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'write man pages (cachestorm.1 and one per subcommand) into a folder')
            break
        }
        'cachestorm;stats' {
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'server host')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'server host')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'server port')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name (Redis 6+)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'password (or set REDISCLI_AUTH, which keeps it out of the process list)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'password (or set REDISCLI_AUTH, which keeps it out of the process list)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'database number')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'database number')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system roots')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'a node to include (repeatable); replaces -h/-p/--url''s address')
            [CompletionResult]::new('--sentinel', '--sentinel', [CompletionResultType]::ParameterName, 'ask this Sentinel for the master (repeatable; the first that answers wins)')
            [CompletionResult]::new('--master', '--master', [CompletionResultType]::ParameterName, 'master name known to Sentinel')
            [CompletionResult]::new('--sentinel-pass', '--sentinel-pass', [CompletionResultType]::ParameterName, 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'time allowed to open a connection')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'time allowed for each request')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'report format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'report format')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'time between samples')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'time between samples')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'stop after N intervals (N+1 INFO polls); default: until Ctrl-C')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'stop after N intervals (N+1 INFO polls); default: until Ctrl-C')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'stop after this long')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'stop after this long')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'connect with TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'do not verify the server''s TLS certificate')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'discover every node (masters and replicas) of the cluster from the given node')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'same as -o json')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'print help')
            break
        }
        'cachestorm;monitor' {
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'server host')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'server host')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'server port')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name (Redis 6+)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'password (or set REDISCLI_AUTH, which keeps it out of the process list)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'password (or set REDISCLI_AUTH, which keeps it out of the process list)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'database number')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'database number')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system roots')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'a node to include (repeatable); replaces -h/-p/--url''s address')
            [CompletionResult]::new('--sentinel', '--sentinel', [CompletionResultType]::ParameterName, 'ask this Sentinel for the master (repeatable; the first that answers wins)')
            [CompletionResult]::new('--master', '--master', [CompletionResultType]::ParameterName, 'master name known to Sentinel')
            [CompletionResult]::new('--sentinel-pass', '--sentinel-pass', [CompletionResultType]::ParameterName, 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'time allowed to open a connection')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'time allowed for each request')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'report format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'report format')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'how long to capture live MONITOR traffic')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'how long to capture live MONITOR traffic')
            [CompletionResult]::new('--max-server-buffer', '--max-server-buffer', [CompletionResultType]::ParameterName, 'stop a live capture when the server''s output buffer for it passes this size')
            [CompletionResult]::new('--max-lines', '--max-lines', [CompletionResultType]::ParameterName, 'stop after writing this many lines (over all nodes)')
            [CompletionResult]::new('--command', '--command', [CompletionResultType]::ParameterName, 'keep only these commands (comma-separated, any case)')
            [CompletionResult]::new('--key-pattern', '--key-pattern', [CompletionResultType]::ParameterName, 'keep only commands touching a key that matches this glob')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'write the capture here instead of stdout (one file per master with several)')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'write the capture here instead of stdout (one file per master with several)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'connect with TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'do not verify the server''s TLS certificate')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'discover every node (masters and replicas) of the cluster from the given node')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'same as -o json')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'print help')
            break
        }
        'cachestorm;hotkeys' {
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'server host')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'server host')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'server port')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name (Redis 6+)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'password (or set REDISCLI_AUTH, which keeps it out of the process list)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'password (or set REDISCLI_AUTH, which keeps it out of the process list)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'database number')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'database number')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system roots')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'a node to include (repeatable); replaces -h/-p/--url''s address')
            [CompletionResult]::new('--sentinel', '--sentinel', [CompletionResultType]::ParameterName, 'ask this Sentinel for the master (repeatable; the first that answers wins)')
            [CompletionResult]::new('--master', '--master', [CompletionResultType]::ParameterName, 'master name known to Sentinel')
            [CompletionResult]::new('--sentinel-pass', '--sentinel-pass', [CompletionResultType]::ParameterName, 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'time allowed to open a connection')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'time allowed for each request')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'report format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'report format')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'read a MONITOR capture instead of a live server (''-'' for stdin; gzip is detected)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'how long to capture live MONITOR traffic')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'how long to capture live MONITOR traffic')
            [CompletionResult]::new('--max-server-buffer', '--max-server-buffer', [CompletionResultType]::ParameterName, 'stop a live capture when the server''s output buffer for it passes this size')
            [CompletionResult]::new('--max-keys', '--max-keys', [CompletionResultType]::ParameterName, 'distinct keys counted exactly; past this, a Space-Saving top-k of this size')
            [CompletionResult]::new('--separator', '--separator', [CompletionResultType]::ParameterName, 'characters that separate key segments, for pattern inference')
            [CompletionResult]::new('--rule', '--rule', [CompletionResultType]::ParameterName, 'extra pattern rule REGEX=REPLACEMENT, applied first (''*'' in REPLACEMENT is a wildcard)')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'where hot keys come from: MONITOR (or --input), LFU counters over SCAN, or slot stats')
            [CompletionResult]::new('--scan-rate', '--scan-rate', [CompletionResultType]::ParameterName, 'with --method lfu: most keys per second the SCAN may visit (on each node)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'how many keys (and commands, clients, patterns) to list')
            [CompletionResult]::new('--threshold', '--threshold', [CompletionResultType]::ParameterName, 'mark a key hot when its share of key accesses is at least this many percent')
            [CompletionResult]::new('--min-rate', '--min-rate', [CompletionResultType]::ParameterName, 'also mark a key hot when its average rate is at least this many per second')
            [CompletionResult]::new('--stampede-window', '--stampede-window', [CompletionResultType]::ParameterName, 'window for the stampede signature')
            [CompletionResult]::new('--stampede-writes', '--stampede-writes', [CompletionResultType]::ParameterName, 'writes to one key within the window that make a stampede')
            [CompletionResult]::new('--stampede-clients', '--stampede-clients', [CompletionResultType]::ParameterName, 'distinct writing clients within the window that make a stampede')
            [CompletionResult]::new('--penetration-reads', '--penetration-reads', [CompletionResultType]::ParameterName, 'reads (and no write) that make a key a penetration candidate')
            [CompletionResult]::new('--expiry-bucket', '--expiry-bucket', [CompletionResultType]::ParameterName, 'bucket size of the expiry wave')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'connect with TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'do not verify the server''s TLS certificate')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'discover every node (masters and replicas) of the cluster from the given node')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'same as -o json')
            [CompletionResult]::new('--timeline', '--timeline', [CompletionResultType]::ParameterName, 'include each listed key''s per-second counts in JSON')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'print help')
            break
        }
        'cachestorm;patterns' {
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'server host')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'server host')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'server port')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name (Redis 6+)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'password (or set REDISCLI_AUTH, which keeps it out of the process list)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'password (or set REDISCLI_AUTH, which keeps it out of the process list)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'database number')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'database number')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system roots')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'a node to include (repeatable); replaces -h/-p/--url''s address')
            [CompletionResult]::new('--sentinel', '--sentinel', [CompletionResultType]::ParameterName, 'ask this Sentinel for the master (repeatable; the first that answers wins)')
            [CompletionResult]::new('--master', '--master', [CompletionResultType]::ParameterName, 'master name known to Sentinel')
            [CompletionResult]::new('--sentinel-pass', '--sentinel-pass', [CompletionResultType]::ParameterName, 'password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'time allowed to open a connection')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'time allowed for each request')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'report format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'report format')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'read a MONITOR capture instead of a live server (''-'' for stdin; gzip is detected)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'how long to capture live MONITOR traffic')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'how long to capture live MONITOR traffic')
            [CompletionResult]::new('--max-server-buffer', '--max-server-buffer', [CompletionResultType]::ParameterName, 'stop a live capture when the server''s output buffer for it passes this size')
            [CompletionResult]::new('--max-keys', '--max-keys', [CompletionResultType]::ParameterName, 'distinct keys counted exactly; past this, a Space-Saving top-k of this size')
            [CompletionResult]::new('--separator', '--separator', [CompletionResultType]::ParameterName, 'characters that separate key segments, for pattern inference')
            [CompletionResult]::new('--rule', '--rule', [CompletionResultType]::ParameterName, 'extra pattern rule REGEX=REPLACEMENT, applied first (''*'' in REPLACEMENT is a wildcard)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'how many patterns to list')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'connect with TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'do not verify the server''s TLS certificate')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'discover every node (masters and replicas) of the cluster from the given node')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'same as -o json')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'print help')
            break
        }
        'cachestorm;completions' {
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'print help')
            break
        }
        'cachestorm;man' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'folder to write the pages into (created if missing)')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'print help')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
