// Chinese first (the candidates' language), English on request; the choice is remembered.
// Data from the API carries both: `name`/`nameEn`, `statusLabel`/`statusLabelEn`, `message`/`messageZh`.

const STRINGS = {
  zh: {
    title: '医师资格考试 材料在线审核', langToggle: 'English', signOut: '退出', signIn: '登录',
    signInHint: '本地演示环境:选择一个演示账号登录。', signInCognito: '使用统一身份认证登录',
    signInCognitoHint: '请使用报名时的账号登录。', myApplications: '我的报名', noApplications: '暂无报名信息。',
    uploadMaterials: '上传相关材料', back: '返回', examYear: '考试年度', category: '类别', region: '考区', site: '考点',
    application: '报名号', progress: '当前进度', reviewComments: '审核意见', requests: '需补充的材料',
    required: '必传', optional: '选传', sample: '示例图片', upload: '上传', add: '添加', delete: '删除',
    approvedCheck: '已审核通过', processing: '处理中…', uploading: '上传中', compressing: '正在压缩…',
    original: '原图', compressed: '上传', invalid: '未通过检查', needsRevision: '需重新上传',
    submitted: '已提交', approved: '已审核通过', pending: '等待上传', howToFix: '处理方法',
    cannotDecode: '无法识别该文件为图片。请选择 JPG 或 PNG 照片;苹果手机的 HEIC 照片请在“设置 > 相机 > 格式”中选择“兼容性最佳”,或导出为 JPG。',
    heicLoading: '正在转换 HEIC 照片…', tooComplex: '照片压缩后仍超过 200 KB,请裁掉多余背景后重试。',
    uploadFailed: '上传失败,请检查网络后重试。', requestedMore: '请补充 {count} 张', timeline: '办理记录',
    statusOf: '状态', levelSITE: '考点', levelREGION: '考区', none: '无', loading: '加载中…',
    sessionExpired: '登录已过期,请重新登录。', notAvailable: '该功能尚未开放(接口暂不支持)。',
    error: '出错了', networkError: '网络错误,请重试。',
    progressDRAFT: '填报中:请上传全部必传材料', progressRETURNED: '退回修改:请按审核意见修改', progressSITE_APPROVED: '考点审核通过,等待考区审核',
    progressAPPROVED: '审核通过', progressREJECTED: '审核未通过', progressREADY_FOR_EXAM: '备考', progressPASSED: '考试通过', progressFAILED: '考试未通过',
    incomplete: '未齐全', complete: '已齐全', noPageForRole: '您的角色没有可用的页面。', candidateName: '姓名',
  },
  en: {
    title: 'Physician qualification exam · materials review', langToggle: '中文', signOut: 'Sign out', signIn: 'Sign in',
    signInHint: 'Local demo: choose a demo account.', signInCognito: 'Sign in', signInCognitoHint: 'Use the account you registered with.',
    myApplications: 'My applications', noApplications: 'No applications yet.', uploadMaterials: 'Upload materials',
    back: 'Back', examYear: 'Exam year', category: 'Category', region: 'Exam region', site: 'Exam site',
    application: 'Application', progress: 'Progress', reviewComments: 'Review comments', requests: 'Materials to add',
    required: 'Required', optional: 'Optional', sample: 'Sample', upload: 'Upload', add: 'Add', delete: 'Delete',
    approvedCheck: 'Approved', processing: 'Processing…', uploading: 'Uploading', compressing: 'Compressing…',
    original: 'Original', compressed: 'Upload', invalid: 'Not accepted', needsRevision: 'Please replace',
    submitted: 'Submitted', approved: 'Approved', pending: 'Waiting for the file', howToFix: 'How to fix',
    cannotDecode: 'This file cannot be read as a picture. Choose a JPG or PNG photo; for an iPhone HEIC photo set Settings > Camera > Formats to "Most Compatible", or export it as JPG.',
    heicLoading: 'Converting the HEIC photo…', tooComplex: 'Even compressed the photo is over 200 KB: crop away the background and try again.',
    uploadFailed: 'The upload failed. Check the connection and try again.', requestedMore: 'Please add {count} more', timeline: 'History',
    statusOf: 'Status', levelSITE: 'Exam site', levelREGION: 'Exam region', none: 'None', loading: 'Loading…',
    sessionExpired: 'Your session has expired. Please sign in again.', notAvailable: 'Not available yet (the API does not support it).',
    error: 'Error', networkError: 'Network error, please try again.',
    progressDRAFT: 'Filling in: upload every required material', progressRETURNED: 'Returned: follow the review comments', progressSITE_APPROVED: 'Passed the site review, waiting for the region',
    progressAPPROVED: 'Approved', progressREJECTED: 'Rejected', progressREADY_FOR_EXAM: 'Preparing for the exam', progressPASSED: 'Passed', progressFAILED: 'Failed',
    incomplete: 'Incomplete', complete: 'Complete', noPageForRole: 'There is no page for your role.', candidateName: 'Name',
  },
};

let lang = localStorage.getItem('lang') === 'en' ? 'en' : 'zh';
const listeners = [];

export function getLang() { return lang; }

export function extend(extra) {
  for (const code of Object.keys(STRINGS)) Object.assign(STRINGS[code], extra[code] || {});
}

export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** A field the API gives in Chinese as `field` and in English as `fieldEn`. */
export function pick(obj, field) {
  if (!obj) return '';
  return (lang === 'en' ? obj[`${field}En`] : null) ?? obj[field] ?? '';
}

/** A message the API gives in English as `field` and in Chinese as `fieldZh`. */
export function msg(obj, field) {
  if (!obj) return '';
  return (lang === 'zh' ? obj[`${field}Zh`] : null) ?? obj[field] ?? '';
}

export function setLang(code) {
  lang = code;
  localStorage.setItem('lang', code);
  document.documentElement.lang = code === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  for (const fn of listeners) fn();
}

export function onLangChange(fn) { listeners.push(fn); }

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
