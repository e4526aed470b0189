# fish completion for hjob-run(1).
# Run ids come from `hjob-run list`, job ids of a run from `hjob-run status RUN`.

set -l __hjob_run_commands run resume approve deny hold release skip status list prune logs results graph validate

function __hjob_run_runs
    hjob-run list --limit 50 2>/dev/null | cut -f1
end

# The jobs of the run named on the command line (the first argument after the command).
function __hjob_run_jobs
    set -l words (commandline -opc)
    set -l run
    for w in $words[3..-1]
        if not string match -q -- '-*' $w
            set run $w
            break
        end
    end
    test -n "$run"; or return
    hjob-run status $run 2>/dev/null | awk -F'\t' 'NR > 1 && NF >= 5 { print $1 }'
end

complete -c hjob-run -f
complete -c hjob-run -s h -l help -d 'Print help and exit'
complete -c hjob-run -s V -l version -n "not __fish_seen_subcommand_from $__hjob_run_commands" -d 'Print version and exit'

complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a run -d 'Run a flow'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a resume -d 'Run the jobs of a run that did not succeed'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a approve -d 'Approve an approval job'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a deny -d 'Deny an approval job'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a hold -d 'Hold a job that has not started'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a release -d 'Release a held job'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a skip -d 'Skip a job'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a status -d 'Show a run and its jobs'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a list -d 'List runs, newest first'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a prune -d 'Delete finished runs older than keep_runs'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a logs -d 'Print the output of jobs'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a results -d 'One row per job'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a graph -d 'Draw a flow'
complete -c hjob-run -n "not __fish_seen_subcommand_from $__hjob_run_commands" -a validate -d 'Check a flow file'

# Flow files.
complete -c hjob-run -n '__fish_seen_subcommand_from run graph validate' -k -a '(__fish_complete_suffix .yaml; __fish_complete_suffix .yml)'
# Runs, then jobs.
complete -c hjob-run -n '__fish_seen_subcommand_from resume status results approve deny hold release skip logs' -a '(__hjob_run_runs)'
complete -c hjob-run -n '__fish_seen_subcommand_from approve deny hold release skip logs' -a '(__hjob_run_jobs)'

complete -c hjob-run -n '__fish_seen_subcommand_from run' -s p -l param -r -d 'Set a parameter NAME=VALUE'
complete -c hjob-run -n '__fish_seen_subcommand_from run' -s n -l dry-run -d 'Print the plan; run nothing'
complete -c hjob-run -n '__fish_seen_subcommand_from run' -l events -r -F -d 'Run once per matching event (- = stdin)'
complete -c hjob-run -n '__fish_seen_subcommand_from run resume validate' -l calendars -r -F -d 'Calendar file'
complete -c hjob-run -n '__fish_seen_subcommand_from run resume' -l inventory -r -F -d 'Inventory for on:'
complete -c hjob-run -n '__fish_seen_subcommand_from run resume' -s v -l verbose -d 'Print SSH connection steps'
complete -c hjob-run -n '__fish_seen_subcommand_from logs' -l node -r -d 'Only the output on this node'
complete -c hjob-run -n '__fish_seen_subcommand_from prune' -l older-than -x -d 'Keep runs that ended within this long'
complete -c hjob-run -n '__fish_seen_subcommand_from prune' -s n -l dry-run -d 'Only print what would be removed'
complete -c hjob-run -n '__fish_seen_subcommand_from run resume status list' -l format -x -a 'text json' -d 'Output format'
complete -c hjob-run -n '__fish_seen_subcommand_from results' -l format -x -a 'text csv json' -d 'Output format'
complete -c hjob-run -n '__fish_seen_subcommand_from graph' -l format -x -a 'text dot mermaid' -d 'Output format'
complete -c hjob-run -n '__fish_seen_subcommand_from resume' -l from -x -a '(__hjob_run_jobs)' -d 'Rerun this job and everything after it'
complete -c hjob-run -n '__fish_seen_subcommand_from resume' -l only -x -a '(__hjob_run_jobs)' -d 'Rerun only this job'
complete -c hjob-run -n '__fish_seen_subcommand_from resume' -l next -d 'Count failed jobs as skipped and go on'
complete -c hjob-run -n '__fish_seen_subcommand_from resume' -l warnings -d 'Rerun only the jobs that ended with a warning'
complete -c hjob-run -n '__fish_seen_subcommand_from approve deny' -l comment -x -d 'Why'
complete -c hjob-run -n '__fish_seen_subcommand_from skip' -l as -x -a 'success warning' -d 'What the skipped job counts as'
complete -c hjob-run -n '__fish_seen_subcommand_from list' -l flow -x -d 'Only runs of this flow'
complete -c hjob-run -n '__fish_seen_subcommand_from list' -l limit -x -d 'At most this many runs'
