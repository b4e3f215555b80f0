using './azuredeploy.json'

param imageSku = '2019-datacenter-gensecond'
