"""Binary classification metrics as the seeds report them, computed by scikit-learn."""
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, roc_auc_score


def binary_report(y_true, p_positive, threshold=0.5):
    """y_true: 0/1 labels (1 = positive); p_positive: predicted probability of the positive class."""
    y_pred = [int(p >= threshold) for p in p_positive]
    tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    return {
        'n': len(y_true),
        'threshold': threshold,
        'confusion_matrix': {'tn': int(tn), 'fp': int(fp), 'fn': int(fn), 'tp': int(tp)},
        'sensitivity': tp / (tp + fn) if tp + fn else float('nan'),
        'specificity': tn / (tn + fp) if tn + fp else float('nan'),
        'roc_auc': roc_auc_score(y_true, p_positive),
        'accuracy': accuracy_score(y_true, y_pred),
        'cohen_kappa': cohen_kappa_score(y_true, y_pred),
    }
