# bench_plot.gp - the scaling curves of make bench as PNG figures.
# gnuplot -e "dir='DATA_DIR'; out='OUT_DIR'" selftests/bench/bench_plot.gp
set terminal pngcairo size 720,420 font ",10" noenhanced
set logscale x 10
set grid
set key top left
set xlabel "entries"
set ylabel "ns per packet (BPF_PROG_TEST_RUN)"
set yrange [0:*]

set output out."/flows.png"
set title "XDP: packets of flows cycling through a table of N flows"
plot dir."/flows.dat" using 1:2 with linespoints lw 2 title "minewall (IPv4)"

set output out."/blocked.png"
set title "XDP: a packet from a blocked source, N addresses blocked"
plot dir."/blocked.dat" using 1:2 with linespoints lw 2 title "minewall fast drop (IPv4)"

set output out."/prefixes.png"
set title "XDP: a packet that creates a flow, N blacklist prefixes in force"
plot dir."/prefixes.dat" using 1:2 with linespoints lw 2 title "minewall new flow (IPv4)"
