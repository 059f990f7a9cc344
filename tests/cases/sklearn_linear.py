from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from cases import Case
from cases.data import diabetes, iris, iris_binary, iris_named

CASES = [
    Case("linear-regression", lambda: LinearRegression(), diabetes),
    Case("ridge", lambda: Ridge(alpha=0.5), diabetes),
    Case("ridge-no-intercept", lambda: Ridge(fit_intercept=False), diabetes),
    Case("scaler-ridge", lambda: make_pipeline(StandardScaler(), Ridge()), diabetes),
    Case("minmax-linear", lambda: make_pipeline(MinMaxScaler(), LinearRegression()), diabetes),
    Case("minmax-clip-linear", lambda: make_pipeline(MinMaxScaler(clip=True), LinearRegression()), diabetes),
    Case("logistic-binary", lambda: make_pipeline(StandardScaler(), LogisticRegression()), iris_binary),
    Case("logistic-multinomial", lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)), iris),
    Case("logistic-string-labels", lambda: LogisticRegression(max_iter=1000), iris_named),
    Case("logistic-ovr", lambda: OneVsRestClassifier(LogisticRegression(max_iter=500)), iris),
    Case("logistic-liblinear-ovr", lambda: OneVsRestClassifier(LogisticRegression(solver="liblinear")), iris),
]
