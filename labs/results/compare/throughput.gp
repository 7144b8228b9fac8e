# made by c10k_lab; run `gnuplot throughput.gp` in this folder to draw throughput.svg again
set terminal svg size 960,560 dynamic enhanced font 'Helvetica,13' background rgb 'white'
set output 'throughput.svg'
set datafile separator ','
set datafile missing NaN
set title "throughput: BURN 1000, 1 GiB limit, server on CPU 0"
set xlabel "clients"
set ylabel "correct answers per second"
set grid lc rgb '#dddddd'
set key outside bottom center horizontal
set border 3
set tics nomirror
set logscale x
plot 'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_iterative" ? $4/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_iterative", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_multithreaded" ? $4/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_multithreaded", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_epoll" ? $4/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_epoll", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_epoll_workers" ? $4/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_epoll\\_workers", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_reactor" ? $4/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_reactor", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_coro" ? $4/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_coro", \
     'compare.csv' every ::1 using 2:(strcol(1) eq "dumb_nio" ? $4/1.0 : NaN) with linespoints pt 7 ps 0.6 title "dumb\\_nio"
