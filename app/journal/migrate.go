package journal

func (j *Journal) migrate() error { return nil }
