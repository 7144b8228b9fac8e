# made by c10k_lab; run `gnuplot cpu-per-request.gp` in this folder to draw cpu-per-request.svg again
set terminal svg size 960,560 dynamic enhanced font 'Helvetica,13' background rgb 'white'
set output 'cpu-per-request.svg'
set datafile separator ','
set datafile missing NaN
set title "server CPU per request: BURN 1000, 1 GiB limit, server on CPU 0"
set xlabel "clients"
set ylabel "µs"
set grid lc rgb '#dddddd'
set key outside bottom center horizontal
set border 3
set tics nomirror
set logscale x
plot 'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_iterative" ? $16/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_iterative", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_multithreaded" ? $16/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_multithreaded", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_epoll" ? $16/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_epoll", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_epoll_workers" ? $16/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_epoll\\_workers", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_reactor" ? $16/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_reactor", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_coro" ? $16/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_coro", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_nio" ? $16/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_nio"
