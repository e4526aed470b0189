# fish completion for hmon-check(1)
# Monitor ids are the keys of `monitors:` in the monitor file (-f/--file on the command line,
# else the default file); node ids, scopes and tags come from the node inventory (--inventory,
# else the default). Both are read with awk, so they complete while a file has errors too.

# Prints the command (run, list, http, ...) and succeeds; fails when there is none yet.
function __hmon_check_subcommand
    for t in (commandline -opc)[2..-1]
        if not string match -q -- '-*' $t
            echo $t
            return 0
        end
    end
    return 1
end

function __hmon_check_no_subcommand
    not __hmon_check_subcommand >/dev/null
end

# True when the command is one of the arguments.
function __hmon_check_using
    set -l sub (__hmon_check_subcommand); or return 1
    contains -- $sub $argv
end

# Prints the positional arguments of the command before the cursor.
function __hmon_check_positionals
    set -l seen 0
    set -l skip 0
    for t in (commandline -opc)[2..-1]
        if test $seen -eq 0
            string match -q -- '-*' $t; or set seen 1
            continue
        end
        if test $skip -eq 1
            set skip 0
            continue
        end
        if string match -qr -- '^(--[^=]+=|-[fwct].)' $t
            continue
        end
        switch $t
            case --changes-only --no-state --dry-run -h --help
            case '-*'
                set skip 1
            case '*'
                echo $t
        end
    end
end

# True when the command is one of argv[2..] and has exactly argv[1] positionals so far.
function __hmon_check_at_position
    set -l n $argv[1]
    __hmon_check_using $argv[2..-1]; or return 1
    test (count (__hmon_check_positionals)) -eq $n
end

# Prints the value of the last of the given options on the command line, ~/ expanded.
function __hmon_check_option_value
    set -l tokens (commandline -opc)
    set -l n (count $tokens)
    set -l value
    for i in (seq 2 $n)
        set -l t $tokens[$i]
        for o in $argv
            if test "$t" = $o
                test $i -lt $n; and set value $tokens[(math $i + 1)]
            else if string match -q -- "$o=*" $t
                set value (string replace -- "$o=" '' $t)
            else if test (string length -- $o) -eq 2; and string match -q -- "$o?*" $t
                set value (string sub -s 3 -- $t)
            end
        end
    end
    test -n "$value"; or return 1
    string replace -r '^~/' "$HOME/" -- $value
    return 0
end

# The monitor file: -f/--file, else the default.
function __hmon_check_file
    __hmon_check_option_value -f --file; and return
    set -l base $XDG_CONFIG_HOME
    test -n "$base"; or set base $HOME/.config
    if test -e $base/hops/monitors.yaml
        echo $base/hops/monitors.yaml
    else
        echo /etc/hops/monitors.yaml
    end
end

# The inventory: --inventory, else the default of hops-inventory(5).
function __hmon_check_inventory
    __hmon_check_option_value --inventory; and return
    if test -n "$HOPS_INVENTORY"
        echo $HOPS_INVENTORY
        return
    end
    set -l base $XDG_CONFIG_HOME
    string match -q -- '/*' "$base"; or set base $HOME/.config
    if test -e $base/hops/inventory.yaml
        echo $base/hops/inventory.yaml
    else
        echo /etc/hops/inventory.yaml
    end
end

# Prints the keys of the top-level mapping argv[2] of YAML file argv[1] (block style).
function __hmon_check_yaml_keys
    test -r "$argv[1]"; or return 0
    awk -v sect="$argv[2]" -v q="'" '
        /^[^ \t#-]/ { insect = (index($0, sect ":") == 1); ind = -1; next }
        !insect || /^[ \t]*(#|$)/ { next }
        {
            n = match($0, /[^ ]/) - 1
            if (ind < 0) ind = n
            if (n != ind) next
            line = substr($0, n + 1)
            c = substr(line, 1, 1)
            if (c == "\"" || c == q) {
                key = substr(line, 2)
                e = index(key, c)
                if (!e) next
                key = substr(key, 1, e - 1)
            } else {
                if (c == "-" || c == "?" || c == "{") next
                e = match(line, /:([ \t]|$)/)
                if (!e) next
                key = substr(line, 1, e - 1)
            }
            print key
        }' $argv[1] 2>/dev/null
end

function __hmon_check_monitors
    __hmon_check_yaml_keys (__hmon_check_file) monitors
end

function __hmon_check_nodes
    __hmon_check_yaml_keys (__hmon_check_inventory) nodes
end

# Prints the scope paths (with their parents) and tag:KEY=VALUE / tag:KEY selectors.
function __hmon_check_scopes
    set -l inventory (__hmon_check_inventory)
    test -r "$inventory"; or return 0
    awk -v q="'" '
        function unq(s) {
            gsub(/^[ \t]+|[ \t]+$/, "", s)
            if (length(s) >= 2 && (substr(s, 1, 1) == "\"" || substr(s, 1, 1) == q)) s = substr(s, 2, length(s) - 2)
            return s
        }
        function path(p,   n, i, parts, acc) {
            p = unq(p)
            if (p == "") return
            n = split(p, parts, "/")
            acc = parts[1]
            print acc
            for (i = 2; i <= n; i++) { acc = acc "/" parts[i]; print acc }
        }
        function paths(s,   n, i, items) {
            if (s ~ /^\[/) {
                s = substr(s, 2)
                sub(/\].*$/, "", s)
                n = split(s, items, ",")
                for (i = 1; i <= n; i++) path(items[i])
            } else path(s)
        }
        function tag(s,   c, k, v) {
            c = index(s, ":")
            if (!c) return
            k = unq(substr(s, 1, c - 1))
            v = unq(substr(s, c + 1))
            if (k == "") return
            print "tag:" k
            print "tag:" k "=" v
        }
        function tags(s,   n, i, items) {
            sub(/^\{/, "", s)
            sub(/\}.*$/, "", s)
            n = split(s, items, ",")
            for (i = 1; i <= n; i++) tag(items[i])
        }
        /^[^ \t#-]/ { top = $0; sub(/:.*/, "", top); ind = -1; blk = ""; next }
        /^[ \t]*(#|$)/ { next }
        {
            n = match($0, /[^ ]/) - 1
            line = substr($0, n + 1)
            sub(/[ \t]+#.*$/, "", line)
            if (blk == "scopes" && (n > bind || (n == bind && line ~ /^-/))) {
                if (line ~ /^-/) { sub(/^-[ \t]*/, "", line); paths(line) }
                next
            }
            if (blk == "tags" && n > bind) { tag(line); next }
            blk = ""
            if (top == "scopes") {
                if (ind < 0) ind = n
                if (n == ind && line !~ /^-/) { sub(/:([ \t].*)?$/, "", line); path(line) }
                next
            }
            if (top != "nodes") next
            if (line ~ /^scopes:/) {
                sub(/^scopes:[ \t]*/, "", line)
                if (line == "") { blk = "scopes"; bind = n } else paths(line)
            } else if (line ~ /^tags:/) {
                sub(/^tags:[ \t]*/, "", line)
                if (line == "") { blk = "tags"; bind = n } else tags(line)
            }
        }' $inventory 2>/dev/null | sort -u
end

# --command: the program first, then its arguments (files).
function __hmon_check_command_word
    set -l n 0
    for t in (commandline -opc)
        string match -qr -- '^--command(=|$)' $t; and set n (math $n + 1)
    end
    set -l cur (commandline -ct)
    # The option of the value being completed is counted above unless it is "--command=VALUE".
    string match -q -- '--command=*' $cur; or set n (math $n - 1)
    if test $n -gt 0
        __fish_complete_path (string replace -- '--command=' '' $cur)
    else
        __fish_complete_command (string replace -- '--command=' '' $cur)
    end
end

# The parameters of a monitor type (as in common/check_*.cpp), with '_' as in YAML.
function __hmon_check_params
    switch $argv[1]
        case http https
            echo method headers data status body body_not body_regex body_not_regex \
                follow_redirects max_redirects ca_file insecure client_cert client_key user \
                password_env password_file bearer_env bearer_file expect_header json_path json_equals
        case tls-cert
            echo servername starttls ca_file insecure_chain
        case smtp imap pop3 ftp
            echo port tls user password_env password_file expect ca_file insecure
        case tcp
            echo send expect expect_regex refuse_state mismatch_state max_bytes
        case dns
            echo server record expect expect_rcode
        case ping
            echo packets interval size packet_timeout
        case sql
            echo database user password_env password_file port query expect expect_rows sslmode
        case process
            echo name name_regex args_regex user state
        case disk
            echo inodes
        case load
            echo per_cpu
        case cpu
            echo sample
        case logfile
            echo critical_pattern warning_pattern ok_pattern exclude ignore_case max_lines \
                from_start absent_pattern absent_period absent_state rotated
        case command
            echo command env cwd
    end | string split ' '
end

# The measures of a monitor type, the primary one first.
function __hmon_check_measures
    switch $argv[1]
        case http https
            echo time size cert_days
        case tls-cert
            echo days
        case smtp imap pop3 ftp tcp dns
            echo time
        case ping
            echo rta rtmax loss jitter
        case sql
            echo time value rows
        case process
            echo count rss
        case disk
            echo used_pct free used inodes_used_pct
        case load
            echo load1 load5 load15
        case cpu
            echo busy_pct iowait_pct steal_pct
        case memory
            echo used_pct available
        case swap
            echo used_pct free
        case logfile
            echo critical_lines warning_lines lines
    end | string split ' '
end

complete -c hmon-check -f

# Before the command
complete -c hmon-check -n __hmon_check_no_subcommand -s V -l version -d 'Print version and exit'
complete -c hmon-check -s h -l help -d 'Print help and exit'

# Commands
complete -c hmon-check -n __hmon_check_no_subcommand -a run -d 'Run every monitor x node; exit with the worst state'
complete -c hmon-check -n __hmon_check_no_subcommand -a validate -d 'Check definitions, inventory, calendars'
complete -c hmon-check -n __hmon_check_no_subcommand -a list -d 'List the monitor x node checks that would run'
complete -c hmon-check -n __hmon_check_no_subcommand -a status -d 'Write the state of every check as a text, JSON or HTML page'
complete -c hmon-check -n __hmon_check_no_subcommand -a history -d 'State changes and perfdata of a monitor'
complete -c hmon-check -n __hmon_check_no_subcommand -a prune -d 'Delete expired history and monitors not checked for a while'
complete -c hmon-check -n __hmon_check_no_subcommand -a report -d 'Monthly operations report: availability, incidents, trends'
complete -c hmon-check -n __hmon_check_no_subcommand -a schema -d 'JSON Schema of the monitor file format'
complete -c hmon-check -n __hmon_check_no_subcommand -a http -d 'Ad-hoc check: HTTP request'
complete -c hmon-check -n __hmon_check_no_subcommand -a https -d 'Ad-hoc check: HTTPS request'
complete -c hmon-check -n __hmon_check_no_subcommand -a tls-cert -d 'Ad-hoc check: TLS certificate'
complete -c hmon-check -n __hmon_check_no_subcommand -a smtp -d 'Ad-hoc check: SMTP server'
complete -c hmon-check -n __hmon_check_no_subcommand -a imap -d 'Ad-hoc check: IMAP server'
complete -c hmon-check -n __hmon_check_no_subcommand -a pop3 -d 'Ad-hoc check: POP3 server'
complete -c hmon-check -n __hmon_check_no_subcommand -a ftp -d 'Ad-hoc check: FTP server'
complete -c hmon-check -n __hmon_check_no_subcommand -a tcp -d 'Ad-hoc check: TCP port, send/expect'
complete -c hmon-check -n __hmon_check_no_subcommand -a dns -d 'Ad-hoc check: DNS lookup'
complete -c hmon-check -n __hmon_check_no_subcommand -a ping -d 'Ad-hoc check: ICMP echo'
complete -c hmon-check -n __hmon_check_no_subcommand -a sql -d 'Ad-hoc check: PostgreSQL query'
complete -c hmon-check -n __hmon_check_no_subcommand -a process -d 'Ad-hoc check: matching processes'
complete -c hmon-check -n __hmon_check_no_subcommand -a disk -d 'Ad-hoc check: file system use'
complete -c hmon-check -n __hmon_check_no_subcommand -a load -d 'Ad-hoc check: load averages'
complete -c hmon-check -n __hmon_check_no_subcommand -a cpu -d 'Ad-hoc check: CPU use'
complete -c hmon-check -n __hmon_check_no_subcommand -a memory -d 'Ad-hoc check: memory use'
complete -c hmon-check -n __hmon_check_no_subcommand -a swap -d 'Ad-hoc check: swap use'
complete -c hmon-check -n __hmon_check_no_subcommand -a logfile -d 'Ad-hoc check: new log lines'
complete -c hmon-check -n __hmon_check_no_subcommand -a command -d 'Ad-hoc check: a Nagios plugin'

# Options of run, validate, list, status and report
complete -c hmon-check -n '__hmon_check_using run validate list status report' -s f -l file -r -F -d 'Monitor definition file'
complete -c hmon-check -n '__hmon_check_using run validate list status report' -l inventory -r -F -d 'Node inventory'
complete -c hmon-check -n '__hmon_check_using run validate list status report' -l calendars -r -F -d 'Calendar file or directory'
complete -c hmon-check -n '__hmon_check_using run validate list status report' -l only -x -a '(__hmon_check_monitors)' -d 'Only this monitor'
complete -c hmon-check -n '__hmon_check_using run validate list status report' -l scope -x -a '(__hmon_check_scopes)' -d 'Only nodes in this scope'
complete -c hmon-check -n '__hmon_check_using run validate list status history report' -l node -x -a '(__hmon_check_nodes)' -d 'Only this node'
complete -c hmon-check -n '__hmon_check_using run' -l format -x -a 'text\t"A table (default)" json\t"hops-event(5) lines" nagios\t"One plugin result"' -d 'Output format'
complete -c hmon-check -n '__hmon_check_using run' -l concurrency -x -d 'Checks in flight at once (1-10000)'
complete -c hmon-check -n '__hmon_check_using run' -l changes-only -d 'Print only results whose state changed'
complete -c hmon-check -n '__hmon_check_using run' -l no-state -d 'Do not read or write the state store'
complete -c hmon-check -n '__hmon_check_using run' -l lock-wait -x -a '0 30s 1m 5m' -d 'Wait for an overlapping run this long'
complete -c hmon-check -n '__hmon_check_using list' -l format -x -a 'text json' -d 'Output format'
complete -c hmon-check -n '__hmon_check_using status' -l format -x -a 'text\t"Aligned columns (default)" json\t"One object" html\t"A self-contained page"' -d 'Output format'
complete -c hmon-check -n '__hmon_check_using status' -l out -r -F -d 'Write the page to this file atomically (mode 0644)'
complete -c hmon-check -n '__hmon_check_using status' -l refresh -x -a '0 30 60 300' -d 'html: reload every SECONDS (default 60; 0 = never)'
complete -c hmon-check -n '__hmon_check_using status' -l stale-after -x -a '15m 30m 1h' -d 'Mark checks not run for this long as stale'
complete -c hmon-check -n '__hmon_check_using status' -l exit-worst -d 'Exit with the worst hard state shown instead of 0'

# history
complete -c hmon-check -n '__hmon_check_at_position 0 history' -x -a '(__hmon_check_monitors)' -d 'Monitor id'
complete -c hmon-check -n '__hmon_check_using history' -l since -x -a '1h 1d 7d 30d' -d 'Duration back from now, or a date'
complete -c hmon-check -n '__hmon_check_using history' -l format -x -a 'text json csv' -d 'Output format'

# report
complete -c hmon-check -n '__hmon_check_using report' -l month -x -a '(date +%Y-%m; date -d "last month" +%Y-%m)' -d 'The month to report (YYYY-MM)'
complete -c hmon-check -n '__hmon_check_using report' -l calendar -x -a '(hcal calendars --names 2>/dev/null)' -d 'Calendar for business hours, closed days and the zone'
complete -c hmon-check -n '__hmon_check_using report' -l lang -x -a 'en ja' -d 'Language of the HTML report'
complete -c hmon-check -n '__hmon_check_using report' -l format -x -a 'html\t"One self-contained page (default)" json\t"The figures as JSON" csv\t"The figures as CSV"' -d 'Output format'
complete -c hmon-check -n '__hmon_check_using report' -l out -r -F -d 'Write the report to this file'

# prune
complete -c hmon-check -n '__hmon_check_using prune' -l dry-run -d 'Only print what would be deleted'
complete -c hmon-check -n '__hmon_check_using prune' -l older-than -x -a '7d 30d 90d' -d 'Remove monitors not checked for this long'

# Ad-hoc checks: common options, then the measures and parameters of each type
for t in http https tls-cert smtp imap pop3 ftp tcp dns ping sql process disk load cpu memory swap logfile command
    set -l cond "__hmon_check_using $t"
    complete -c hmon-check -n $cond -s w -l warning -x -d 'Warning range of the primary measure'
    complete -c hmon-check -n $cond -s c -l critical -x -d 'Critical range of the primary measure'
    complete -c hmon-check -n $cond -s t -l timeout -x -d 'Timeout of the check (default 10s)'
    complete -c hmon-check -n $cond -l format -x -a 'nagios json' -d 'Output format'
    for m in (__hmon_check_measures $t)
        set -l o (string replace -a _ - -- $m)
        complete -c hmon-check -n $cond -l warn-$o -x -d "Warning range of '$m'"
        complete -c hmon-check -n $cond -l crit-$o -x -d "Critical range of '$m'"
    end
    for p in (__hmon_check_params $t)
        set -l o (string replace -a _ - -- $p)
        set -l how -x
        switch $p
            case method
                set how -x -a 'GET HEAD POST PUT DELETE OPTIONS PATCH'
            case status
                set how -x -a '200 2xx 3xx 200-299 200-399'
            case tls
                set how -x -a 'none\t"Plain text (default)" starttls\t"Upgrade after the greeting" implicit\t"TLS from the start"'
            case starttls
                set how -x -a 'smtp imap pop3'
            case record
                set how -x -a 'A AAAA CNAME MX TXT'
            case expect_rcode
                set how -x -a 'NOERROR NXDOMAIN SERVFAIL REFUSED FORMERR NOTIMP YXDOMAIN YXRRSET NXRRSET NOTAUTH NOTZONE'
            case sslmode
                set how -x -a 'disable allow prefer require verify-ca verify-full'
            case refuse_state mismatch_state
                set how -x -a 'ok warning critical unknown'
            case absent_state
                set how -x -a 'warning critical unknown'
            case follow_redirects insecure insecure_chain inodes per_cpu ignore_case from_start
                set how -x -a 'true false'
            case ca_file client_cert client_key password_file bearer_file
                set how -r -F
            case cwd
                set how -x -a '(__fish_complete_directories (commandline -ct))'
            case password_env bearer_env
                set how -x -a '(set -xn)'
            case env
                set how -x -a '(set -xn | string replace -r \'$\' =)'
            case state
                set how -x -a 'R\tRunning S\tSleeping D\t"Uninterruptible sleep" Z\tZombie T\tStopped t\t"Tracing stop" X\tDead x\tDead K\tWakekill W\tWaking P\tParked I\tIdle'
            case server servername
                set how -x -a '(__fish_print_hostnames)'
            case command
                set how -x -a '(__hmon_check_command_word)'
            case user
                test $t = process; and set how -x -a '(__fish_complete_users)'
        end
        switch $p
            case headers expect_header env
                complete -c hmon-check -n $cond -l $o $how -d "Parameter '$p' (NAME=VALUE)"
            case '*'
                complete -c hmon-check -n $cond -l $o $how -d "Parameter '$p'"
        end
    end
end

# Ad-hoc targets
complete -c hmon-check -n '__hmon_check_at_position 0 http' -x -a 'http://' -d URL
complete -c hmon-check -n '__hmon_check_at_position 0 https' -x -a 'https://' -d URL
complete -c hmon-check -n '__hmon_check_at_position 0 tls-cert smtp imap pop3 ftp tcp dns ping sql' -x -a '(__fish_print_hostnames)' -d Host
complete -c hmon-check -n '__hmon_check_at_position 0 disk' -x -a '(__fish_complete_directories (commandline -ct))'
complete -c hmon-check -n '__hmon_check_at_position 0 logfile' -F -d 'Log file or glob'
