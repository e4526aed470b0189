# The built-in Japanese holiday sets, with predicted equinox days marked.
run hcal holidays --year 2019
run hcal holidays --from 2020-07-01 --to 2020-10-31
run hcal holidays --from 2021-07-01 --to 2021-10-31
run hcal holidays --set jp-gov --from 2026-12-25 --to 2027-01-05
run hcal holidays --set jp-bank --from 2026-12-25 --to 2027-01-05
run hcal holidays --from 2030-03-01 --to 2030-03-31
run hcal holidays --year 1948
run hcal holidays --from 1948-07-19 --to 1948-12-31
run hcal holidays --set jp-foo --year 2026
printf 'holidays 1955-2099: '; hcal holidays --from 1955-01-01 --to 2099-12-31 | wc -l
