# made by c10k_lab; run `gnuplot memory.gp` in this folder to draw memory.svg again
set terminal svg size 960,560 dynamic enhanced font 'Helvetica,13' background rgb 'white'
set output 'memory.svg'
set datafile separator ','
set datafile missing NaN
set title "dumb\\_multithreaded under 256 MiB: memory against connections\n{/*0.8 fitted: 47900 bytes of cgroup memory per connection}"
set xlabel "connections (idle, after each step's load)"
set ylabel "MiB"
set grid lc rgb '#dddddd'
set key outside bottom center horizontal
set border 3
set tics nomirror
set yrange [0.0:294.4]
set xrange [0.0:6899.999999999999]
set arrow from graph 0, first 256.0 to graph 1, first 256.0 nohead lc rgb '#d62728' dt 2 lw 2
set label "limit 256 MiB" at graph 0.02, first 256.0 offset 0,0.8 tc rgb '#d62728'
set arrow from first 6000.0, graph 0 to first 6000.0, graph 1 nohead lc rgb '#7f7f7f' dt 3 lw 2
set label "OOM-killed at 6000" at first 6000.0, graph 0.95 offset 0.5,0 tc rgb '#444444'
plot 'result.csv' every ::1 using 3:((strcol(2) eq "idle" || strcol(2) eq "baseline") && $18 == 1 ? $6/1048576 : NaN) with linespoints pt 7 ps 0.6 title "cgroup memory (kernel memory included)", \
     'result.csv' every ::1 using 3:((strcol(2) eq "idle" || strcol(2) eq "baseline") && $18 == 1 ? $13/1048576 : NaN) with linespoints pt 7 ps 0.6 title "server RSS", \
     'result.csv' every ::1 using 3:(strcol(2) eq "loaded" && $18 == 1 ? $6/1048576 : NaN) with points pt 6 ps 1.2 title "cgroup memory under load"
