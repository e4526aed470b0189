# fish completion for hcal(1)
# Calendar names come from `hcal [-f FILE]... calendars --names`, using the -f/--file
# options already on the command line (global options may precede or follow the subcommand).

# Prints the index of the subcommand in the tokens before the cursor; fails when there is none.
function __hcal_subcommand_index
    set -l tokens (commandline -opc)
    set -l skip 0
    for i in (seq 2 (count $tokens))
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $tokens[$i]
            case -f --file --format
                set skip 1
            case '-*'
            case '*'
                echo $i
                return 0
        end
    end
    return 1
end

function __hcal_no_subcommand
    not __hcal_subcommand_index >/dev/null
end

# True when the subcommand is one of the arguments.
function __hcal_using_command
    set -l i (__hcal_subcommand_index); or return 1
    set -l tokens (commandline -opc)
    contains -- $tokens[$i] $argv
end

# Prints the positional arguments of the subcommand before the cursor (gate: CAL, then the
# command words without the "--").
function __hcal_positionals
    set -l i (__hcal_subcommand_index); or return 1
    set -l tokens (commandline -opc)
    set -l sub $tokens[$i]
    set -l skip 0
    set -l npos 0
    set -l dashdash 0
    for t in $tokens[(math $i + 1)..-1]
        if test $skip -eq 1
            set skip 0
            continue
        end
        if test $sub = gate; and test $npos -ge 1
            # After CAL: hcal's options until "--" or the first other word, then the command.
            if test $npos -eq 1; and test $dashdash -eq 0
                switch $t
                    case --
                        set dashdash 1
                        continue
                    case --at --closed-exit -f --file --format
                        set skip 1
                        continue
                    case '-*'
                        continue
                end
            end
            echo $t
            set npos (math $npos + 1)
            continue
        end
        switch $t
            case --
                set dashdash 1
            case --at --from --to --year --month -n --count --set --closed-exit -f --file --format
                set skip 1
            case '--*=*' '-*'
                if test $dashdash -eq 1
                    echo $t
                    set npos (math $npos + 1)
                end
            case '*'
                echo $t
                set npos (math $npos + 1)
        end
    end
end

# True when the subcommand is one of the arguments and has exactly N positionals so far:
# __hcal_at_position N SUBCOMMAND...
function __hcal_at_position
    set -l n $argv[1]
    __hcal_using_command $argv[2..-1]; or return 1
    test (count (__hcal_positionals)) -eq $n
end

# gate: true once CAL is given, i.e. when completing the command to run.
function __hcal_gate_command
    __hcal_using_command gate; or return 1
    test (count (__hcal_positionals)) -ge 1
end

function __hcal_calendars
    set -l tokens (commandline -opc)
    set -l args
    set -l skip 0
    for i in (seq 2 (count $tokens))
        set -l t $tokens[$i]
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case --
                break
            case -f --file
                set -l next (math $i + 1)
                if test $next -le (count $tokens)
                    set -a args --file $tokens[$next]
                end
                set skip 1
            case '--file=*'
                set -a args $t
            case '-f?*'
                set -a args --file (string sub -s 3 -- $t)
            case --format --at --from --to --year --month -n --count --set --closed-exit
                set skip 1
        end
    end
    set -l hcal $tokens[1]
    command -q -- $hcal; or set hcal hcal
    command $hcal $args calendars --names 2>/dev/null
end

# Completes the command given to gate, and its arguments, as fish would complete it alone.
function __hcal_complete_gate_command
    set -l words (__hcal_positionals)
    set -e words[1]
    set -l line (string escape -- $words) (commandline -ct)
    complete -C (string join ' ' -- $line)
end

complete -c hcal -f

# Global options (before or after the subcommand)
complete -c hcal -n 'not __hcal_gate_command' -s f -l file -r -F -d 'Calendar file or directory'
complete -c hcal -n 'not __hcal_gate_command' -l format -x -a 'text json' -d 'Output format'
complete -c hcal -n 'not __hcal_gate_command' -s v -l verbose -d 'Print the answer and reason, and the instant judged'
complete -c hcal -n 'not __hcal_gate_command' -s q -l quiet -d 'Print no warnings'
complete -c hcal -n __hcal_no_subcommand -s V -l version -d 'Print version and exit'
complete -c hcal -n 'not __hcal_gate_command' -s h -l help -d 'Print help and exit'

# Subcommands
complete -c hcal -n __hcal_no_subcommand -a is-open -d 'Exit 0 if CAL is open at an instant'
complete -c hcal -n __hcal_no_subcommand -a is-business-day -d 'Exit 0 if DATE is a business day'
complete -c hcal -n __hcal_no_subcommand -a next -d 'Print the next business days'
complete -c hcal -n __hcal_no_subcommand -a prev -d 'Print the previous business days'
complete -c hcal -n __hcal_no_subcommand -a list -d 'List business (or closed) days in a period'
complete -c hcal -n __hcal_no_subcommand -a show -d 'Print a month or year grid'
complete -c hcal -n __hcal_no_subcommand -a explain -d 'Say which rule makes a date open or closed'
complete -c hcal -n __hcal_no_subcommand -a holidays -d 'List holidays of a built-in set'
complete -c hcal -n __hcal_no_subcommand -a shift -d 'Nearest business day before/after a date'
complete -c hcal -n __hcal_no_subcommand -a hours -d 'Open hours in a period'
complete -c hcal -n __hcal_no_subcommand -a gate -d 'Run a command only when CAL is open'
complete -c hcal -n __hcal_no_subcommand -a validate -d 'Check calendar files'
complete -c hcal -n __hcal_no_subcommand -a calendars -d 'List the loaded calendars'
complete -c hcal -n __hcal_no_subcommand -a schema -d 'Print the JSON Schema of a format'

# Options of the subcommands
complete -c hcal -n '__hcal_using_command is-open explain' -l at -x -a now -d 'Instant: YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], now, @EPOCH'
complete -c hcal -n '__hcal_at_position 0 gate' -l at -x -a now -d 'Judge this instant instead of now'
complete -c hcal -n '__hcal_at_position 0 gate' -l closed-exit -x -d 'Exit status when closed (0-255)'
complete -c hcal -n '__hcal_using_command next prev' -l from -x -a 'today yesterday tomorrow' -d 'Start date (excluded)'
complete -c hcal -n '__hcal_using_command next prev' -s n -l count -x -d 'How many days to print'
complete -c hcal -n '__hcal_using_command list hours' -l from -x -a 'today yesterday tomorrow' -d 'First date'
complete -c hcal -n '__hcal_using_command list hours' -l to -x -a 'today yesterday tomorrow' -d 'Last date'
complete -c hcal -n '__hcal_using_command holidays validate' -l from -x -d 'First date (YYYY-MM-DD)'
complete -c hcal -n '__hcal_using_command holidays validate' -l to -x -d 'Last date (YYYY-MM-DD)'
complete -c hcal -n '__hcal_using_command list hours holidays show validate' -l year -x -d 'A whole year (YYYY)'
complete -c hcal -n '__hcal_using_command list hours holidays show validate' -l month -x -d 'A whole month (YYYY-MM)'
complete -c hcal -n '__hcal_using_command list' -l closed -d 'List closed days with their reason'
complete -c hcal -n '__hcal_using_command list' -l all -d 'List every day with open/closed and the reason'
complete -c hcal -n '__hcal_using_command holidays' -l set -x -a 'jp\t"national holidays" jp-gov\t"plus 12-29..01-03" jp-bank\t"plus 12-31..01-03"' -d 'Holiday set'
complete -c hcal -n '__hcal_using_command shift' -l before -d 'Shift to the previous business day'
complete -c hcal -n '__hcal_using_command shift' -l after -d 'Shift to the next business day'
complete -c hcal -n '__hcal_using_command calendars' -l names -d 'Print names only'

# Positional arguments
complete -c hcal -n '__hcal_at_position 0 is-open is-business-day next prev list show explain shift hours gate' -x -a '(__hcal_calendars)' -d Calendar
complete -c hcal -n '__hcal_at_position 1 is-business-day explain shift' -x -a 'today yesterday tomorrow' -d Date
complete -c hcal -n '__hcal_at_position 0 schema' -x -a 'calendars\t"calendar file format" jp-holidays\t"Japanese holiday override file"'
complete -c hcal -n '__hcal_using_command validate' -F -d 'Calendar file or directory'
complete -c hcal -n __hcal_gate_command -x -a '(__hcal_complete_gate_command)'
