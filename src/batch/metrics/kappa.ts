/**
 * Cohen's kappa (unweighted) from the confusion matrix, as scikit-learn's cohen_kappa_score: 1 minus observed
 * disagreement over the disagreement expected by chance from the row and column totals. NaN, as scikit-learn's,
 * when chance disagreement is 0 (every label and every prediction the same one class); JSON writes it as null.
 */
export function cohenKappa(matrix: readonly (readonly number[])[]): number {
  const k = matrix.length;
  const predicted = Array.from({ length: k }, (_, j) => matrix.reduce((s, row) => s + row[j], 0));
  const actual = matrix.map((row) => row.reduce((s, v) => s + v, 0));
  const total = actual.reduce((s, v) => s + v, 0);
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j) continue;
      observed += matrix[i][j];
      // scikit-learn's np.outer(sum0, sum1) / total: predicted totals by row, true totals by column.
      expected += (predicted[i] * actual[j]) / total;
    }
  }
  return 1 - observed / expected;
}
