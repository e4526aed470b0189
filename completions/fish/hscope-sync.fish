# fish completion for hscope-sync(1)
# Profiles come from ~/.aws/config and ~/.aws/credentials; nothing is asked of AWS while completing.

function __hscope_sync_profiles
    set -l files ~/.aws/config ~/.aws/credentials
    set -q AWS_CONFIG_FILE; and set files[1] $AWS_CONFIG_FILE
    set -q AWS_SHARED_CREDENTIALS_FILE; and set files[2] $AWS_SHARED_CREDENTIALS_FILE
    for f in $files
        test -r $f; and sed -nE 's/^\[(profile +)?([^] ]+) *\]$/\2/p' $f 2>/dev/null
    end | sort -u
end

set -l __hscope_sync_cmds sync export validate

complete -c hscope-sync -f
complete -c hscope-sync -n "not __fish_seen_subcommand_from $__hscope_sync_cmds" -a sync -d 'Ask the sources, write the inventory'
complete -c hscope-sync -n "not __fish_seen_subcommand_from $__hscope_sync_cmds" -a export -d 'Print the inventory in another format'
complete -c hscope-sync -n "not __fish_seen_subcommand_from $__hscope_sync_cmds" -a validate -d 'Check the scopes definition'
complete -c hscope-sync -n "__fish_seen_subcommand_from export" -a ansible -d 'Ansible YAML inventory'
complete -c hscope-sync -s f -l file -r -F -d 'Scopes definition'
complete -c hscope-sync -n "__fish_seen_subcommand_from sync" -s o -l output -r -F -d 'Inventory to write'
complete -c hscope-sync -n "__fish_seen_subcommand_from sync" -l check -d 'Write nothing; exit 1 when the inventory would change'
complete -c hscope-sync -n "__fish_seen_subcommand_from sync" -l format -x -a 'text json' -d 'Report format'
complete -c hscope-sync -l profile -x -a '(__hscope_sync_profiles)' -d 'AWS profile'
complete -c hscope-sync -l region -x -d 'AWS region of sources that name none'
complete -c hscope-sync -l endpoint-url -x -d 'EC2 endpoint URL'
complete -c hscope-sync -l ca-bundle -r -F -d 'PEM bundle of CAs to trust'
complete -c hscope-sync -l no-verify-ssl -d 'Do not verify the TLS certificate'
complete -c hscope-sync -s v -l verbose -d 'Log AWS requests on stderr'
complete -c hscope-sync -s h -l help -d 'Show help'
complete -c hscope-sync -s V -l version -d 'Show version'
