-- TPC-H Q9 in a hand order: the filtered part with partsupp first, lineitem probing
-- that, then supplier with nation, orders last (run with join reordering off).
SELECT nation, o_year, SUM(amount) AS sum_profit
FROM (
  SELECT
    n_name AS nation,
    EXTRACT(YEAR FROM o_orderdate) AS o_year,
    l_extendedprice * (1 - l_discount) - ps_supplycost * l_quantity AS amount
  FROM part
  JOIN partsupp ON ps_partkey = p_partkey
  JOIN lineitem ON l_partkey = ps_partkey AND l_suppkey = ps_suppkey
  JOIN supplier ON s_suppkey = l_suppkey
  JOIN nation ON s_nationkey = n_nationkey
  JOIN orders ON o_orderkey = l_orderkey
  WHERE p_name LIKE '%green%'
) AS profit
GROUP BY nation, o_year
ORDER BY nation, o_year DESC;
