# fish completion for haws-ec2(1)
# Profiles come from ~/.aws/config and ~/.aws/credentials; nothing is asked of AWS while completing.

set -l __haws_ec2_cmds describe status start stop reboot wait schedule

function __haws_ec2_profiles
    set -l files ~/.aws/config ~/.aws/credentials
    set -q AWS_CONFIG_FILE; and set files[1] $AWS_CONFIG_FILE
    set -q AWS_SHARED_CREDENTIALS_FILE; and set files[2] $AWS_SHARED_CREDENTIALS_FILE
    for f in $files
        test -r $f; and sed -nE 's/^\[(profile +)?([^] ]+) *\]$/\2/p' $f 2>/dev/null
    end | sort -u
end

complete -c haws-ec2 -f
complete -c haws-ec2 -n "not __fish_seen_subcommand_from $__haws_ec2_cmds" -a describe -d 'List the selected instances'
complete -c haws-ec2 -n "not __fish_seen_subcommand_from $__haws_ec2_cmds" -a status -d 'Status checks and scheduled events'
complete -c haws-ec2 -n "not __fish_seen_subcommand_from $__haws_ec2_cmds" -a start -d 'Start the selected instances'
complete -c haws-ec2 -n "not __fish_seen_subcommand_from $__haws_ec2_cmds" -a stop -d 'Stop the selected instances'
complete -c haws-ec2 -n "not __fish_seen_subcommand_from $__haws_ec2_cmds" -a reboot -d 'Reboot the selected instances'
complete -c haws-ec2 -n "not __fish_seen_subcommand_from $__haws_ec2_cmds" -a wait -d 'Wait until running or stopped'
complete -c haws-ec2 -n "not __fish_seen_subcommand_from $__haws_ec2_cmds" -a schedule -d 'Start or stop instances by their calendars'
complete -c haws-ec2 -n "__fish_seen_subcommand_from wait" -a 'running stopped'
complete -c haws-ec2 -n "__fish_seen_subcommand_from schedule" -l calendar -x -d 'Default calendar'
complete -c haws-ec2 -n "__fish_seen_subcommand_from schedule" -l calendars -r -F -d 'Calendar file or directory'
complete -c haws-ec2 -n "__fish_seen_subcommand_from schedule" -l calendar-tag -x -d 'Tag naming the calendar'
complete -c haws-ec2 -n "__fish_seen_subcommand_from schedule" -l enforce -d 'Act without a calendar transition'
complete -c haws-ec2 -n "__fish_seen_subcommand_from schedule" -l at -x -d 'Judge at this instant'

complete -c haws-ec2 -l profile -x -a '(__haws_ec2_profiles)' -d 'AWS profile'
complete -c haws-ec2 -l region -x -d 'AWS region (repeatable)'
complete -c haws-ec2 -l endpoint-url -x -d 'EC2 endpoint URL'
complete -c haws-ec2 -l ca-bundle -r -F -d 'PEM bundle of CAs to trust'
complete -c haws-ec2 -l no-verify-ssl -d 'Do not verify the TLS certificate'
complete -c haws-ec2 -l id -x -d 'Instance id'
complete -c haws-ec2 -l tag -x -d 'Tag KEY=VALUE or KEY'
complete -c haws-ec2 -l filter -x -d 'EC2 filter Name=N,Values=V1,V2'
complete -c haws-ec2 -l scope -x -d 'Inventory scope pattern'
complete -c haws-ec2 -l inventory -r -F -d 'Inventory file'
complete -c haws-ec2 -l format -x -a 'text json' -d 'Output format'
complete -c haws-ec2 -s v -l verbose -d 'Log AWS requests on stderr'
complete -c haws-ec2 -s h -l help -d 'Show help'
complete -c haws-ec2 -s V -l version -d 'Show version'
complete -c haws-ec2 -n "__fish_seen_subcommand_from start stop reboot schedule" -l dry-run -d 'Ask EC2, change nothing'
complete -c haws-ec2 -n "__fish_seen_subcommand_from start stop" -l wait -d 'Wait until running or stopped'
complete -c haws-ec2 -n "__fish_seen_subcommand_from stop" -l force -d 'Stop without an orderly shutdown'
complete -c haws-ec2 -n "__fish_seen_subcommand_from start stop wait" -l interval -x -d 'Between two looks (default 15s)'
complete -c haws-ec2 -n "__fish_seen_subcommand_from start stop wait" -l timeout -x -d 'Give up after (default 10m)'
