# fish completion for hnotify(1)
# Channel names are the keys of `channels:` in the definition file (-c/--config on the command
# line, else the default file), read with awk so they complete while the file has errors too.

function __hnotify_channels
    set -l tokens (commandline -opc)
    set -l file
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case -c --config
                set file $tokens[(math $i + 1)]
            case '--config=*'
                set file (string replace -- --config= '' $tokens[$i])
        end
    end
    if test -z "$file"
        set -l base $XDG_CONFIG_HOME
        test -n "$base"; or set base $HOME/.config
        set file $base/hops/notify.yaml
        test -f $file; or set file /etc/hops/notify.yaml
    end
    test -r $file; or return
    awk '/^channels:/ {in_ch = 1; next}
         in_ch && /^[^ #]/ {in_ch = 0}
         in_ch && /^  [A-Za-z0-9_.-]+:/ {sub(/^  /, ""); sub(/:.*/, ""); print}' $file
end

set -l commands send flush test validate schema spool silence
complete -c hnotify -f
complete -c hnotify -s c -l config -r -F -d 'Definition file'
complete -c hnotify -s v -l verbose -d 'Report every routing decision and delivery attempt'
complete -c hnotify -s h -l help -d 'Print help'
complete -c hnotify -s V -l version -d 'Print version'
complete -c hnotify -n "not __fish_seen_subcommand_from $commands" -a send -d 'Route the events on stdin, or send one message'
complete -c hnotify -n "not __fish_seen_subcommand_from $commands" -a flush -d 'Deliver the notifications due in the spool'
complete -c hnotify -n "not __fish_seen_subcommand_from $commands" -a test -d 'Send a test notification to a channel'
complete -c hnotify -n "not __fish_seen_subcommand_from $commands" -a validate -d 'Check the definition file'
complete -c hnotify -n "not __fish_seen_subcommand_from $commands" -a schema -d 'Print the JSON Schema of the definition file'
complete -c hnotify -n "not __fish_seen_subcommand_from $commands" -a spool -d 'List, show, retry or drop spooled items'
complete -c hnotify -n "not __fish_seen_subcommand_from $commands" -a silence -d 'Hold back notifications of matching events'
complete -c hnotify -n '__fish_seen_subcommand_from send' -l channel -x -a '(__hnotify_channels)' -d 'Send one message to this channel'
complete -c hnotify -n '__fish_seen_subcommand_from send' -l from -x -a 'events snmptrapd syslog' -d 'Format of standard input'
complete -c hnotify -n '__fish_seen_subcommand_from send' -l status -x -a 'info ok warning critical unknown' -d 'Status of the message'
complete -c hnotify -n '__fish_seen_subcommand_from send' -l title -x -d 'Title of the message'
complete -c hnotify -n '__fish_seen_subcommand_from send' -l message -x -d 'Text of the message'
complete -c hnotify -n '__fish_seen_subcommand_from send flush' -l wait -x -a '30s 1m 5m 15m' -d 'Wait for retries this long'
complete -c hnotify -n '__fish_seen_subcommand_from test' -x -a '(__hnotify_channels)' -d 'Channel'
set -l spool_commands list show retry drop
complete -c hnotify -n "__fish_seen_subcommand_from spool; and not __fish_seen_subcommand_from $spool_commands" -a list -d 'List the spooled notifications'
complete -c hnotify -n "__fish_seen_subcommand_from spool; and not __fish_seen_subcommand_from $spool_commands" -a show -d 'Show one with its event'
complete -c hnotify -n "__fish_seen_subcommand_from spool; and not __fish_seen_subcommand_from $spool_commands" -a retry -d 'Make an item due now'
complete -c hnotify -n "__fish_seen_subcommand_from spool; and not __fish_seen_subcommand_from $spool_commands" -a drop -d 'Remove an item without delivering it'
complete -c hnotify -n '__fish_seen_subcommand_from list' -l format -x -a 'text json' -d 'Output format'
set -l silence_commands add list remove
complete -c hnotify -n "__fish_seen_subcommand_from silence; and not __fish_seen_subcommand_from $silence_commands" -a add -d 'Add a silence'
complete -c hnotify -n "__fish_seen_subcommand_from silence; and not __fish_seen_subcommand_from $silence_commands" -a list -d 'List the silences in force'
complete -c hnotify -n "__fish_seen_subcommand_from silence; and not __fish_seen_subcommand_from $silence_commands" -a remove -d 'End a silence now'
complete -c hnotify -n '__fish_seen_subcommand_from add' -l match -x -a 'kind= status= severity= key= monitor= job= node= scope= tool= changed=' -d 'KEY=VALUE a silenced event matches'
complete -c hnotify -n '__fish_seen_subcommand_from add' -l until -x -a '1h 2h 8h 1d' -d 'When it ends: a duration or a time'
complete -c hnotify -n '__fish_seen_subcommand_from add' -l comment -x -d 'Why'
