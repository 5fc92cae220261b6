# docs/bench_scale.png: the cost per call of kobatela.spend and kobatela.psp_webhook (1 client, median
# TPS, relative to the smallest size; dashed: the same from the ratio to the TPC-B-like run before
# each run) against the rows in kobatela.payments, from the data bench/scale.sh writes (columns:
# filled-to size, payments, audit_log, spend TPS, spend cost, webhook TPS, webhook cost, spend cost
# and webhook cost from the ratios to TPC-B-like). Run by bench/scale.sh:
#   gnuplot -e "data='bench/results/scale.dat'; out='docs/bench_scale.png'; subtitle='...'" bench/scale_chart.gp
if (!exists("data")) data = 'bench/results/scale.dat'
if (!exists("out")) out = 'docs/bench_scale.png'
if (!exists("subtitle")) subtitle = ''

set terminal pngcairo size 800,480 font 'sans,10'
set output out
set title "Cost per call as the books grow (1.00: as at the smallest size; lower is cheaper)\n{/*0.85 ".subtitle."}"
set logscale x 10
set format x '10^{%L}'
set xlabel 'rows in kobatela.payments at the start of the runs (audit_log: about as many records, one per call)'
set ylabel 'cost per call, relative'
set yrange [0.7:*]
set offsets graph 0.05, graph 0.05, graph 0.1, 0
set grid
set key top left
set style fill transparent solid 0.15 noborder
plot data using 2:(0.9):(1.1) with filledcurves lc rgb '#2ca02c' title 'within 10 %', \
     ''   using 2:5 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'kobatela.spend', \
     ''   using 2:7 with linespoints lw 2 pt 5 lc rgb '#ff7f0e' title 'kobatela.psp\_webhook', \
     ''   using 2:8 with linespoints lw 1 dt 2 pt 6 lc rgb '#1f77b4' title 'spend, against TPC-B-like', \
     ''   using 2:9 with linespoints lw 1 dt 2 pt 4 lc rgb '#ff7f0e' title 'psp\_webhook, against TPC-B-like', \
     ''   using 2:5:(sprintf('%.2f', $5)) with labels offset 0, 1 notitle, \
     ''   using 2:7:(sprintf('%.2f', $7)) with labels offset 0, -1 notitle
