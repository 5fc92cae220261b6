# docs/bench_spend.png: transactions per second per client count of kobatela.spend, its PL/pgSQL
# peer (bench/peer_spend.sql) and pgbench's TPC-B-like transaction, from the data bench/run.sh writes
# (columns: clients, TPC-B-like, kobatela.spend, peer spend). Run by bench/run.sh:
#   gnuplot -e "data='bench/results/spend_chart.dat'; out='docs/bench_spend.png'; subtitle='...'" bench/chart.gp
if (!exists("data")) data = 'bench/results/spend_chart.dat'
if (!exists("out")) out = 'docs/bench_spend.png'
if (!exists("subtitle")) subtitle = ''

set terminal pngcairo size 800,480 font 'sans,10'
set output out
set title "Spend: transactions per second (higher is better)\n{/*0.85 ".subtitle."}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 1
set xlabel 'clients'
set ylabel 'TPS'
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set grid ytics
set key top left
# Three bars per cluster, each 1/4 wide: their centres are at -0.25, 0 and +0.25 around the cluster.
plot data using 3:xtic(1) title 'kobatela.spend (C++)' lc rgb '#1f77b4', \
     ''   using 4 title 'peer spend (PL/pgSQL)' lc rgb '#ff7f0e', \
     ''   using 2 title 'TPC-B-like' lc rgb '#9e9e9e', \
     ''   using ($0 - 0.25):3:(sprintf('%d', $3)) with labels offset 0, 0.7 notitle, \
     ''   using ($0):4:(sprintf('%d', $4)) with labels offset 0, 0.7 notitle, \
     ''   using ($0 + 0.25):2:(sprintf('%d', $2)) with labels offset 0, 0.7 notitle
