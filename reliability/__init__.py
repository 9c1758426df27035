"""Per-km failure rates, the nines ladder and the estimators behind them. Works on plain
tables of episode records (pandas); imports no torch and none of the other packages."""
